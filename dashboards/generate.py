#!/usr/bin/env python3
"""Writes the Grafana dashboards (dashboards/*.json), their copies for the Kubernetes ConfigMaps
(k8s/monitoring/dashboards/) and the PrometheusRule (k8s/monitoring/prometheusrule.yaml, from
dashboards/alerts/connectome-alerts.yaml). Standard library only; the output is deterministic.

    python3 dashboards/generate.py          # rewrite the files
    python3 dashboards/generate.py --check  # exit 1 when a committed file differs from what this writes

Conventions of the queries (dashboards/README.md explains them):
  * catalog-derived families (connectome_runs, _run_state, _stage_state, _stage_units, _step_units,
    _stage_eta_seconds, _stage_units_per_second, _stage_resumes_total) are the same on every worker: max by (...);
  * per-worker counters, gauges and histograms are added up: sum by (...);
  * a panel whose description starts with "[optional: ...]" needs an exporter the platform does not ship
    (kube-state-metrics, NVIDIA DCGM exporter); the monitoring tests do not require data from it.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
KSM = "[optional: kube-state-metrics] "
DCGM = "[optional: NVIDIA DCGM exporter] "

STAGE_STATES = [("PENDING", "#8e8e8e"), ("RUNNING", "blue"), ("PAUSED", "purple"),
                ("WAITING_TO_RESUME", "orange"), ("DONE", "green"), ("DONE_WITH_FAILURES", "yellow"),
                ("FAILED", "red"), ("CANCELLED", "#5a5a5a")]
RUN_STATES = [("PENDING", "#8e8e8e"), ("RUNNING", "blue"), ("PAUSED", "purple"), ("DONE", "green"),
              ("FAILED", "red"), ("CANCELLED", "#5a5a5a")]


# ---------------------------------------------------------------------------------------------------- panels

def target(expr, legend="", instant=False, fmt=None, ref="A"):
    t = {"datasource": DS, "refId": ref, "expr": expr, "legendFormat": legend or "__auto",
         "range": not instant, "instant": instant, "editorMode": "code"}
    if fmt:
        t["format"] = fmt
    return t


def targets(*ts):
    out = []
    for i, t in enumerate(ts):
        t = dict(t)
        t["refId"] = chr(ord("A") + i)
        out.append(t)
    return out


def panel(kind, title, tgts, w, h, description="", unit=None, options=None, custom=None, mappings=None,
          thresholds=None, minv=None, maxv=None, decimals=None, overrides=None, transformations=None,
          color=None):
    defaults = {"custom": custom or {}, "mappings": mappings or [],
                "thresholds": thresholds or {"mode": "absolute", "steps": [{"color": "green", "value": None}]}}
    if unit:
        defaults["unit"] = unit
    if minv is not None:
        defaults["min"] = minv
    if maxv is not None:
        defaults["max"] = maxv
    if decimals is not None:
        defaults["decimals"] = decimals
    defaults["color"] = color or {"mode": "palette-classic"}
    p = {"type": kind, "title": title, "description": description, "datasource": DS,
         "targets": tgts if isinstance(tgts, list) else [tgts],
         "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
         "options": options or {}, "_w": w, "_h": h}
    if transformations:
        p["transformations"] = transformations
    return p


def timeseries(title, tgts, w=12, h=8, description="", unit=None, bars=False, stack=False, minv=None, maxv=None,
               legend_table=False):
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1, "fillOpacity": 60 if bars else 12,
              "gradientMode": "none", "showPoints": "never", "spanNulls": False, "axisSoftMin": 0,
              "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    options = {"legend": {"displayMode": "table" if legend_table else "list", "placement": "bottom",
                          "showLegend": True, "calcs": ["max", "lastNotNull"] if legend_table else []},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    return panel("timeseries", title, tgts, w, h, description, unit, options, custom, minv=minv, maxv=maxv)


def stat(title, tgts, w=4, h=4, description="", unit=None, thresholds=None, color_mode="value", decimals=None,
         graph=True):
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "colorMode": color_mode, "graphMode": "area" if graph else "none", "justifyMode": "auto",
               "textMode": "auto", "orientation": "auto"}
    return panel("stat", title, tgts, w, h, description, unit, options, thresholds=thresholds,
                 decimals=decimals, color={"mode": "thresholds"})


def bargauge(title, tgts, w=12, h=8, description="", unit=None, minv=None, maxv=None, thresholds=None):
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True,
               "valueMode": "color", "namePlacement": "left", "sizing": "auto", "minVizHeight": 10,
               "maxVizHeight": 300}
    return panel("bargauge", title, tgts, w, h, description, unit, options, minv=minv, maxv=maxv,
                 thresholds=thresholds, color={"mode": "continuous-GrYlRd"} if thresholds is None else
                 {"mode": "thresholds"})


def table(title, tgts, w=12, h=8, description="", transformations=None, unit=None):
    options = {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"]}}
    return panel("table", title, tgts, w, h, description, unit, options, custom={"align": "auto"},
                 transformations=transformations)


def state_timeline(title, expr, states, legend, w=24, h=8, description=""):
    mappings = [{"type": "value", "options": {str(i): {"text": name, "color": color, "index": i}
                                              for i, (name, color) in enumerate(states)}}]
    options = {"mergeValues": True, "showValue": "auto", "alignValue": "left", "rowHeight": 0.8,
               "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
               "tooltip": {"mode": "single", "sort": "none"}}
    return panel("state-timeline", title, target(expr, legend), w, h, description, None, options,
                 custom={"lineWidth": 0, "fillOpacity": 80}, mappings=mappings,
                 color={"mode": "fixed", "fixedColor": "text"})


def state_code(metric, selector, states, by):
    """One series per `by` whose value is the index of the current state (value mappings name it)."""
    parts = ["%s{%s, state=\"%s\"} * %d" % (metric, selector, name, i) for i, (name, _) in enumerate(states)]
    return "max by (%s) (\n    %s\n)" % (by, "\n  or ".join(parts))


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_w": 24, "_h": 1}


RED_ABOVE_0 = {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}]}
ORANGE_ABOVE_0 = {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 1}]}
BLUE = {"mode": "absolute", "steps": [{"color": "blue", "value": None}]}
PROGRESS = {"mode": "absolute", "steps": [{"color": "blue", "value": None}, {"color": "green", "value": 1}]}


# ------------------------------------------------------------------------------------------------ variables

def ds_var():
    return {"type": "datasource", "name": "DS_PROMETHEUS", "label": "Data source", "query": "prometheus",
            "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1,
            "regex": "", "skipUrlSync": False}


def query_var(name, label, query, multi=True, include_all=True):
    v = {"type": "query", "name": name, "label": label, "datasource": DS, "definition": query,
         "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
         "refresh": 2, "regex": "", "sort": 1, "multi": multi, "includeAll": include_all, "current": {},
         "options": [], "hide": 0, "skipUrlSync": False}
    if include_all:
        v["allValue"] = ".*"
    return v


def textbox_var(name, label, value, description):
    return {"type": "textbox", "name": name, "label": label, "description": description, "query": value,
            "current": {"selected": False, "text": value, "value": value},
            "options": [{"selected": True, "text": value, "value": value}], "hide": 0, "skipUrlSync": False}


NAMESPACE_VAR = textbox_var("namespace", "Kubernetes namespace", "connectome",
                            "Namespace of the workers and task Jobs, for the optional Kubernetes panels")


# ---------------------------------------------------------------------------------------------- dashboards

def layout(items):
    """Places panels left to right in rows of 24 columns; a row panel starts a new line."""
    out, x, y, line_h, pid = [], 0, 0, 0, 1
    for p in items:
        w, h = p.pop("_w"), p.pop("_h")
        if p["type"] == "row" or x + w > 24:
            x, y, line_h = 0, y + line_h, 0
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        p["id"] = pid
        pid += 1
        out.append(p)
        if p["type"] == "row":
            y += 1
        else:
            x += w
            line_h = max(line_h, h)
    return out


def dashboard(uid, title, description, panels, variables, time_from, tags):
    return {
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "links": [{"title": "Connectome dashboards", "type": "dashboards", "tags": ["connectome"],
                   "asDropdown": True, "includeVars": True, "keepTime": True}],
        "panels": layout(panels),
        "refresh": "30s",
        "schemaVersion": 39,
        "tags": tags,
        "templating": {"list": variables},
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


def overview():
    s = 'sample=~"$sample", stage=~"$stage"'
    sm = 'sample=~"$sample"'
    panels = [
        row("Runs"),
        stat("Runs in progress", target('sum(max by (state) (connectome_runs{state=~"RUNNING|PAUSED"}))'),
             description="Runs running or paused, from the catalog (every worker reports the same numbers).",
             thresholds=BLUE),
        stat("Runs done (last day)", target('max(connectome_runs{state="DONE"})'),
             description="Runs that finished in the last day."),
        stat("Runs failed (last day)", target('max(connectome_runs{state="FAILED"})'), thresholds=RED_ABOVE_0,
             description="Runs that failed in the last day (a stage that failed for good)."),
        stat("Tasks running", target('sum(connectome_tasks_in_flight{%s})' % s), thresholds=BLUE,
             description="Task attempts (processes or pods) running now, over all workers."),
        stat("Stages waiting to resume",
             target('count(max by (sample, stage) (connectome_stage_state{%s, state="WAITING_TO_RESUME"}) == 1) '
                    'or vector(0)' % s), thresholds=ORANGE_ABOVE_0, graph=False,
             description="Stages that failed and resume on their own after a backoff."),
        stat("Quarantined tiles", target('sum(connectome_ingest_quarantined_tiles_total{%s, reason!="superseded"})'
                                         % sm), thresholds=ORANGE_ABOVE_0,
             description="Tiles ingest quarantined (missing, truncated, unreadable, ...) as counted by the "
                         "workers since they started; superseded re-imaged tiles are not counted. "
                         "`connectome status SAMPLE/RUN` lists them."),
        table("Latest run of each sample",
              target('max by (sample, run, state) (connectome_run_state{%s}) == 1' % sm, instant=True,
                     fmt="table"), w=8, h=8,
              description="The latest run of each sample (active, or changed in the last day) and its state.",
              transformations=[{"id": "organize", "options": {
                  "excludeByName": {"Time": True, "Value": True},
                  "indexByName": {"sample": 0, "run": 1, "state": 2}}}]),
        bargauge("Stage progress",
                 target('max by (sample, stage) (connectome_stage_units{%s, state="done"})\n/\n'
                        '(max by (sample, stage) (connectome_stage_units{%s, state="total"}) > 0)' % (s, s),
                        "{{sample}} · {{stage}}", instant=True),
                 w=16, h=8, unit="percentunit", minv=0, maxv=1, thresholds=PROGRESS,
                 description="Units done of the units planned so far, per stage of each sample's latest run "
                             "(a stage's later steps are planned when it reaches them)."),
        row("Throughput and time to finish"),
        timeseries("Throughput (units per second)",
                   target('sum by (sample, stage) (rate(connectome_units_total{%s, outcome="done"}'
                          '[$__rate_interval]))' % s, "{{sample}} · {{stage}}"), unit="short",
                   description="Units finished and marked per second, over all workers."),
        timeseries("Time to finish the running step (ETA)",
                   target('max by (sample, stage) (connectome_stage_eta_seconds{%s})' % s,
                          "{{sample}} · {{stage}}"), unit="s",
                   description="Seconds until the running step of each stage is done, at its rate so far "
                               "(from the catalog; a stage shows while one of its steps runs)."),
        timeseries("Ingest throughput",
                   target('sum by (sample) (rate(connectome_ingest_bytes_total{%s}[$__rate_interval]))' % sm,
                          "{{sample}}"), unit="Bps",
                   description="Bytes of tiles validated, checksummed and written to the tile manifest per second."),
        timeseries("Units pending and running",
                   target('sum by (sample, stage) (max by (sample, stage, state) '
                          '(connectome_stage_units{%s, state=~"pending|running"}))' % s,
                          "{{sample}} · {{stage}}"), unit="short",
                   description="Units of planned steps not done yet, per stage."),
        row("Failures and resumes"),
        timeseries("Failed task attempts",
                   target('sum by (sample, stage) (increase(connectome_task_attempts_total{%s, '
                          'outcome=~"retried|failed"}[$__rate_interval]))' % s, "{{sample}} · {{stage}}"),
                   w=8, bars=True, stack=True, unit="short",
                   description="Task attempts that failed (retried or failed for good)."),
        timeseries("Automatic resumes",
                   target('max by (sample, stage) (increase(connectome_stage_resumes_total{%s}'
                          '[$__rate_interval]))' % s, "{{sample}} · {{stage}}"),
                   w=8, bars=True, stack=True, unit="short",
                   description="Stages resumed on their own after failing (autoResume)."),
        timeseries("Units failed for good",
                   target('sum by (sample, stage) (increase(connectome_units_total{%s, outcome="failed"}'
                          '[$__rate_interval]))' % s, "{{sample}} · {{stage}}"),
                   w=8, bars=True, stack=True, unit="short",
                   description="Units whose retries ran out; the step fails unless they fit its failure budget, "
                               "and a resume runs them again."),
        timeseries("Quarantined tiles by reason",
                   target('sum by (sample, reason) (connectome_ingest_quarantined_tiles_total{%s})' % sm,
                          "{{sample}} · {{reason}}"), unit="short",
                   description="Tiles quarantined by ingest, by reason, as counted by the workers since they "
                               "started (superseded: an older acquisition of a re-imaged tile)."),
        timeseries("Failures by kind",
                   target('sum by (stage, kind) (increase(connectome_task_failures_total{%s}'
                          '[$__rate_interval]))' % s, "{{stage}} · {{kind}}"), bars=True, stack=True,
                   unit="short", description="Failed task attempts by typed failure (units_failed, "
                                             "out_of_memory, evicted, image_pull, ...)."),
        row("Kubernetes (optional exporters)"),
        timeseries("Task Jobs",
                   targets(target('sum(kube_job_status_active{namespace="$namespace", job_name=~"cx-.*"})',
                                  "active"),
                           target('sum(kube_job_status_failed{namespace="$namespace", job_name=~"cx-.*"})',
                                  "failed"),
                           target('sum(kube_job_status_succeeded{namespace="$namespace", job_name=~"cx-.*"})',
                                  "succeeded")),
                   w=8, unit="short",
                   description=KSM + "Indexed Jobs of the platform's shards (names start with cx-)."),
        timeseries("Task pods by phase",
                   target('sum by (phase) (kube_pod_status_phase{namespace="$namespace", pod=~"cx-.*"})',
                          "{{phase}}"), w=8, unit="short", stack=True,
                   description=KSM + "Pods of the shard Jobs by phase; Pending for long means the cluster "
                                     "lacks room or GPUs."),
        timeseries("GPU utilisation of task pods",
                   target('avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="$namespace", pod=~"cx-.*"})',
                          "{{pod}}"), w=8, unit="percent", minv=0, maxv=100,
                   description=DCGM + "GPU utilisation of the task pods (segmentation inference), from "
                                      "dcgm-exporter with pod attribution (namespace and pod labels)."),
    ]
    return dashboard("connectome-overview", "Connectome / Facility overview",
                     "Every sample's latest run: progress per stage, throughput, time to finish, failures, "
                     "resumes and quarantined tiles.", panels,
                     [ds_var(), query_var("sample", "Sample", "label_values(connectome_run_state, sample)"),
                      query_var("stage", "Stage", 'label_values(connectome_stage_units{sample=~"$sample"}, stage)'),
                      NAMESPACE_VAR], "now-6h", ["connectome"])


def run_dashboard():
    s = 'sample="$sample", stage=~"$stage"'
    sm = 'sample="$sample"'
    panels = [
        row("Run"),
        state_timeline("Run state", state_code("connectome_run_state", sm, RUN_STATES, "run"), RUN_STATES,
                       "{{run}}", h=4, description="State of the sample's latest run over time."),
        state_timeline("Stage timeline", state_code("connectome_stage_state", s, STAGE_STATES, "stage"),
                       STAGE_STATES, "{{stage}}", h=8,
                       description="State of each stage over time: pending, running, waiting to resume "
                                   "after a failure, done, failed."),
        stat("Units done", target('sum(max by (stage) (connectome_stage_units{%s, state="done"}))' % s),
             description="Units done in the planned steps of the selected stages.", thresholds=BLUE),
        stat("Units pending", target('sum(max by (stage) (connectome_stage_units{%s, state="pending"}))' % s),
             thresholds=BLUE, description="Units of planned steps waiting to run."),
        stat("Units failed", target('sum(max by (stage) (connectome_stage_units{%s, state="failed"}))' % s),
             thresholds=RED_ABOVE_0, description="Units failed for good in the current execution of their "
                                                 "steps (a resume runs them again)."),
        stat("Automatic resumes", target('sum(max by (stage) (connectome_stage_resumes_total{%s}))' % s),
             thresholds=ORANGE_ABOVE_0, description="Automatic resumes of the selected stages in this run."),
        stat("Tiles ingested", target('sum(connectome_ingest_tiles_total{%s})' % sm), thresholds=BLUE,
             description="Tiles written to the tile manifest (counted by the workers since they started)."),
        stat("Bytes ingested", target('sum(connectome_ingest_bytes_total{%s})' % sm), unit="bytes",
             thresholds=BLUE, description="Bytes of ingested tiles (counted by the workers since they started)."),
        row("Steps"),
        bargauge("Step progress",
                 target('max by (stage, step) (connectome_step_units{%s, state="done"})\n/\n'
                        '(max by (stage, step) (connectome_step_units{%s, state="total"}) > 0)' % (s, s),
                        "{{stage}}.{{step}}", instant=True),
                 unit="percentunit", minv=0, maxv=1, thresholds=PROGRESS,
                 description="Units done of each planned step."),
        table("Units per step",
              target('label_join(max by (stage, step, state) (connectome_step_units{%s}), "name", ".", '
                     '"stage", "step")' % s, instant=True, fmt="table"),
              description="Units of each planned step by state (from the catalog).",
              transformations=[{"id": "groupingToMatrix", "options": {
                  "columnField": "state", "rowField": "name", "valueField": "Value"}},
                  {"id": "organize", "options": {"renameByName": {"name\\state": "step"},
                                                 "indexByName": {"name\\state": 0, "total": 1, "done": 2,
                                                                 "running": 3, "pending": 4, "failed": 5}}}]),
        timeseries("Units done per step (units per second)",
                   target('sum by (stage, step) (rate(connectome_units_total{%s, outcome="done"}'
                          '[$__rate_interval]))' % s, "{{stage}}.{{step}}"), unit="short",
                   description="Units finished and marked per second."),
        timeseries("Units failed per step",
                   target('sum by (stage, step) (increase(connectome_units_total{%s, outcome="failed"}'
                          '[$__rate_interval]))' % s, "{{stage}}.{{step}}"), bars=True, stack=True,
                   unit="short", description="Units whose retries ran out."),
        timeseries("Retry rate",
                   target('sum by (stage, step) (rate(connectome_task_attempts_total{%s, outcome="retried"}'
                          '[$__rate_interval]))\n/\n(sum by (stage, step) (rate(connectome_task_attempts_total'
                          '{%s}[$__rate_interval])) > 0)' % (s, s), "{{stage}}.{{step}}"),
                   unit="percentunit", minv=0, maxv=1,
                   description="Share of task attempts that failed and were retried."),
        timeseries("Failed attempts by kind",
                   target('sum by (stage, kind) (increase(connectome_task_failures_total{%s}'
                          '[$__rate_interval]))' % s, "{{stage}} · {{kind}}"), bars=True, stack=True,
                   unit="short", description="Failed task attempts by typed failure."),
        row("Task time"),
        timeseries("Task duration percentiles",
                   targets(*[target('histogram_quantile(%s, sum by (stage, step, le) (rate('
                                    'connectome_task_duration_seconds_bucket{%s}[$__rate_interval])))' % (q, s),
                                    "p%s {{stage}}.{{step}}" % p)
                             for q, p in (("0.5", "50"), ("0.9", "90"), ("0.99", "99"))]),
                   unit="s", legend_table=True,
                   description="Wall time of task attempts (median, 90th and 99th percentile)."),
        bargauge("Slowest steps",
                 target('topk(10, histogram_quantile(0.95, sum by (stage, step, le) (increase('
                        'connectome_task_duration_seconds_bucket{%s}[$__range]))))' % s,
                        "{{stage}}.{{step}}", instant=True),
                 unit="s", description="95th percentile of task time per step over the dashboard's time range."),
        timeseries("Tasks in flight",
                   target('sum by (stage, step) (connectome_tasks_in_flight{%s})' % s, "{{stage}}.{{step}}"),
                   unit="short", stack=True, description="Task attempts running now."),
        timeseries("Shards finished",
                   target('sum by (stage, outcome) (increase(connectome_shards_total{%s}[$__rate_interval]))' % s,
                          "{{stage}} · {{outcome}}"), bars=True, stack=True, unit="short",
                   description="Shards (one Indexed Job or local batch each) finished, by outcome."),
        row("Ingest"),
        timeseries("Bytes written by ingest",
                   target('sum(rate(connectome_ingest_bytes_total{%s}[$__rate_interval]))' % sm, "bytes/s"),
                   w=8, unit="Bps", description="Bytes of tiles ingested per second."),
        timeseries("Tiles ingested",
                   target('sum(rate(connectome_ingest_tiles_total{%s}[$__rate_interval]))' % sm, "tiles/s"),
                   w=8, unit="short", description="Tiles written to the tile manifest per second."),
        bargauge("Quarantined tiles by reason",
                 target('sum by (reason) (connectome_ingest_quarantined_tiles_total{%s})' % sm, "{{reason}}",
                        instant=True), w=8, unit="short", thresholds=ORANGE_ABOVE_0,
                 description="Tiles quarantined by reason, as counted by the workers since they started "
                             "(superseded: the older acquisition of a re-imaged tile)."),
        row("Kubernetes (optional exporters)"),
        timeseries("Jobs of this sample",
                   targets(target('sum(kube_job_status_active{namespace="$namespace", job_name=~"cx-$sample-.*"})',
                                  "active"),
                           target('sum(kube_job_status_failed{namespace="$namespace", job_name=~"cx-$sample-.*"})',
                                  "failed")),
                   w=8, unit="short", description=KSM + "The sample's shard Jobs (named cx-SAMPLE-RUN-STAGE-STEP-...; "
                                                        "lower-case sample names)."),
        timeseries("OOM-killed task containers",
                   target('sum(kube_pod_container_status_last_terminated_reason{namespace="$namespace", '
                          'pod=~"cx-$sample-.*", reason="OOMKilled"})', "OOMKilled"),
                   w=8, unit="short", description=KSM + "Task containers of this sample whose last end was an "
                                                        "out-of-memory kill: raise the step's resources.memory."),
        timeseries("GPU utilisation",
                   target('avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="$namespace", pod=~"cx-$sample-.*"})',
                          "{{pod}}"), w=8, unit="percent", minv=0, maxv=100,
                   description=DCGM + "GPU utilisation of this sample's task pods."),
    ]
    return dashboard("connectome-run", "Connectome / Sample run",
                     "One sample's latest run: stage timeline, units per step, retries, task time, ingest.",
                     panels,
                     [ds_var(), query_var("sample", "Sample", "label_values(connectome_run_state, sample)",
                                          multi=False, include_all=False),
                      query_var("stage", "Stage", 'label_values(connectome_stage_units{sample="$sample"}, stage)'),
                      NAMESPACE_VAR], "now-24h", ["connectome"])


def orchestrator():
    w = 'job=~"$job"'
    q = 'job=~"$job", task_queue=~"$task_queue"'
    panels = [
        row("Workers"),
        stat("Workers up", target('sum(up{%s})' % w), thresholds={"mode": "absolute", "steps": [
            {"color": "red", "value": None}, {"color": "green", "value": 1}]}, graph=False,
             description="Scrape targets of the selected jobs that answered the last scrape."),
        stat("Tasks running", target('sum(connectome_tasks_in_flight{%s, sample=~"$sample", stage=~"$stage"})'
                                     % w), thresholds=BLUE, description="Task attempts running now."),
        stat("Notifications failed", target('sum(connectome_notifications_total{%s, outcome=~"failed|dropped"})'
                                            % w), thresholds=RED_ABOVE_0, graph=False,
             description="Webhook notifications given up or dropped since the workers started (their log "
                         "says why)."),
        timeseries("Worker task slots available",
                   target('sum by (task_queue, worker_type) (temporal_worker_task_slots_available{%s, '
                          'worker_type=~"WorkflowWorker|ActivityWorker"})' % q, "{{task_queue}} · {{worker_type}}"),
                   w=12, unit="short", description="Free workflow and activity task slots (0: the workers are "
                                                   "saturated and tasks wait in the queue)."),
        timeseries("Worker task slots used",
                   target('sum by (task_queue, worker_type) (temporal_worker_task_slots_used{%s, '
                          'worker_type=~"WorkflowWorker|ActivityWorker"})' % q, "{{task_queue}} · {{worker_type}}"),
                   w=12, unit="short", description="Workflow and activity tasks executing now."),
        timeseries("Pollers",
                   target('sum by (task_queue, poller_type) (temporal_num_pollers{%s})' % q,
                          "{{task_queue}} · {{poller_type}}"), w=12, unit="short",
                   description="Long polls open against each task queue."),
        timeseries("Tasks in flight by stage",
                   target('sum by (stage) (connectome_tasks_in_flight{%s, sample=~"$sample", stage=~"$stage"})' % w,
                          "{{stage}}"), w=12, unit="short", stack=True,
                   description="Task attempts running now, by stage."),
        row("Latency"),
        timeseries("Activity schedule-to-start latency",
                   targets(*[target('histogram_quantile(%s, sum by (task_queue, le) (rate('
                                    'temporal_activity_schedule_to_start_latency_seconds_bucket{%s, '
                                    'activity_type!="none"}[$__rate_interval])))' % (qq, q), "p%s {{task_queue}}" % p)
                             for qq, p in (("0.5", "50"), ("0.95", "95"), ("0.99", "99"))]),
                   unit="s", description="Time activities (shards, planning, recording) wait in their task queue "
                                         "before a worker starts them: high means too few workers or slots."),
        timeseries("Workflow task schedule-to-start latency",
                   targets(*[target('histogram_quantile(%s, sum by (le) (rate('
                                    'temporal_workflow_task_schedule_to_start_latency_seconds_bucket{%s}'
                                    '[$__rate_interval])))' % (qq, w), "p%s" % p)
                             for qq, p in (("0.5", "50"), ("0.95", "95"), ("0.99", "99"))]),
                   unit="s", description="Time workflow tasks wait before a worker picks them up (normal and "
                                         "sticky queues)."),
        timeseries("Activity execution time (p95)",
                   target('histogram_quantile(0.95, sum by (activity_type, le) (rate('
                          'temporal_activity_execution_latency_seconds_bucket{%s, activity_type!="none"}'
                          '[$__rate_interval])))' % q, "{{activity_type}}"), unit="s",
                   description="95th percentile of activity execution time by activity type (RunShard: a whole "
                               "shard)."),
        timeseries("Workflow task execution time (p95)",
                   target('histogram_quantile(0.95, sum by (workflow_type, le) (rate('
                          'temporal_workflow_task_execution_latency_seconds_bucket{%s}[$__rate_interval])))' % w,
                          "{{workflow_type}}"), unit="s",
                   description="95th percentile of workflow task execution time (replays included)."),
        row("Failures"),
        timeseries("Workflow task failures",
                   target('sum by (workflow_type) (increase(temporal_workflow_task_execution_failed_total{%s}'
                          '[$__rate_interval])) or on() vector(0)' % w, "{{workflow_type}}"),
                   w=8, bars=True, unit="short",
                   description="Workflow tasks that threw (non-determinism, bugs): should stay 0. The SDK creates "
                               "the series at the first failure; until then the panel shows 0."),
        timeseries("Activity failures",
                   target('sum by (activity_type) (increase(temporal_activity_execution_failed_total{%s}'
                          '[$__rate_interval])) or on() vector(0)' % q, "{{activity_type}}"),
                   w=8, bars=True, unit="short",
                   description="Activity attempts that threw (a shard's executor failed, the catalog was "
                               "unreachable, ...); retried by Temporal. Failed units are not activity failures. "
                               "0 until the SDK counts the first one."),
        timeseries("Workflows completed and failed",
                   targets(target('sum by (workflow_type) (increase(temporal_workflow_completed_total{%s}'
                                  '[$__rate_interval]))' % w, "completed {{workflow_type}}"),
                           target('sum by (workflow_type) (increase(temporal_workflow_failed_total{%s}'
                                  '[$__rate_interval]))' % w, "failed {{workflow_type}}")),
                   w=8, bars=True, unit="short",
                   description="A failed StepWorkflow is a step that failed; its stage resumes it (see the "
                               "run dashboards)."),
        timeseries("Temporal request failures",
                   target('sum by (operation, status_code) (increase(temporal_request_failure_total{%s}'
                          '[$__rate_interval])) or on() vector(0)' % w, "{{operation}} · {{status_code}}"),
                   w=12, bars=True, unit="short",
                   description="gRPC calls to the Temporal frontend that failed, by operation and status."),
        timeseries("Notifications",
                   target('sum by (outcome) (increase(connectome_notifications_total{%s}[$__rate_interval]))' % w,
                          "{{outcome}}"), w=12, bars=True, stack=True, unit="short",
                   description="Webhook notifications (run finished/failed/cancelled, stage failed/resumed) by "
                               "outcome: sent, retried, failed, dropped."),
        row("JVM"),
        timeseries("Heap used",
                   targets(target('sum by (instance) (jvm_memory_used_bytes{%s, area="heap"})' % w,
                                  "used {{instance}}"),
                           target('sum by (instance) (jvm_memory_max_bytes{%s, area="heap"})' % w,
                                  "max {{instance}}")),
                   w=8, unit="bytes", description="Java heap of each worker."),
        timeseries("GC time",
                   target('sum by (instance) (rate(jvm_gc_collection_seconds_sum{%s}[$__rate_interval]))' % w,
                          "{{instance}}"), w=8, unit="percentunit",
                   description="Share of wall time spent in garbage collection."),
        timeseries("CPU",
                   target('sum by (instance) (rate(process_cpu_seconds_total{%s}[$__rate_interval]))' % w,
                          "{{instance}}"), w=8, unit="short",
                   description="CPU cores used by each worker process (task processes are separate)."),
        timeseries("Threads",
                   targets(target('sum by (instance) (jvm_threads_current{%s})' % w, "threads {{instance}}"),
                           target('sum by (instance) (temporal_workflow_active_thread_count{%s})' % w,
                                  "workflow threads {{instance}}")),
                   w=8, unit="short", description="JVM threads and the threads of cached workflows."),
        timeseries("Workflow cache",
                   target('sum by (instance) (temporal_sticky_cache_size{%s})' % w, "{{instance}}"), w=8,
                   unit="short", description="Workflows held in the worker's sticky cache."),
        timeseries("Resident memory",
                   target('sum by (instance) (process_resident_memory_bytes{%s})' % w, "{{instance}}"), w=8,
                   unit="bytes", description="Resident memory of each worker process."),
        row("Kubernetes (optional exporters)"),
        timeseries("Worker pods ready",
                   target('sum(kube_pod_status_ready{namespace="$namespace", pod=~"connectome-worker-.*", '
                          'condition="true"})', "ready"), w=8, unit="short",
                   description=KSM + "Ready pods of the connectome-worker Deployment."),
        timeseries("Worker restarts",
                   target('sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="$namespace", '
                          'pod=~"connectome-worker-.*"}[$__rate_interval]))', "{{pod}}"), w=8, bars=True,
                   unit="short", description=KSM + "Container restarts of the worker pods."),
        timeseries("GPU memory used",
                   target('sum by (Hostname, gpu) (DCGM_FI_DEV_FB_USED)', "{{Hostname}} GPU {{gpu}}"), w=8,
                   unit="decmbytes", description=DCGM + "Frame buffer memory used per GPU of the GPU node pool."),
    ]
    return dashboard("connectome-orchestrator", "Connectome / Orchestrator",
                     "Temporal workers (task slots, pollers, schedule-to-start latency, workflow task and activity "
                     "failures), notifications and the JVM of each worker.", panels,
                     [ds_var(), query_var("job", "Job", "label_values(temporal_worker_task_slots_available, job)"),
                      query_var("task_queue", "Task queue",
                                'label_values(temporal_worker_task_slots_available{job=~"$job"}, task_queue)'),
                      query_var("sample", "Sample", "label_values(connectome_run_state, sample)"),
                      query_var("stage", "Stage", 'label_values(connectome_stage_units{sample=~"$sample"}, stage)'),
                      NAMESPACE_VAR], "now-3h", ["connectome"])


DASHBOARDS = {"connectome-overview.json": overview, "connectome-run.json": run_dashboard,
              "connectome-orchestrator.json": orchestrator}

RULES = os.path.join(HERE, "alerts", "connectome-alerts.yaml")
PROMETHEUS_RULE_HEADER = """\
# Generated by dashboards/generate.py from dashboards/alerts/connectome-alerts.yaml: edit that file, then run
# `python3 dashboards/generate.py`. The Prometheus Operator loads this PrometheusRule when its ruleSelector
# matches these labels (kube-prometheus-stack: add `release: <its release name>` in an overlay).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: connectome-alerts
  labels:
    app.kubernetes.io/name: connectome-alerts
    app.kubernetes.io/part-of: connectome
    prometheus: connectome
    role: alert-rules
spec:
"""


def outputs():
    files = {}
    for name, make in DASHBOARDS.items():
        text = json.dumps(make(), indent=2, ensure_ascii=False) + "\n"
        files[os.path.join(HERE, name)] = text
        files[os.path.join(ROOT, "k8s", "monitoring", "dashboards", name)] = text
    with open(RULES, encoding="utf-8") as f:
        rules = f.read()
    body = [line for line in rules.splitlines() if not line.startswith("#")]
    files[os.path.join(ROOT, "k8s", "monitoring", "prometheusrule.yaml")] = PROMETHEUS_RULE_HEADER + "".join(
        ("  " + line if line.strip() else "") + "\n" for line in body).lstrip("\n")
    return files


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in outputs().items():
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old == text:
            continue
        if check:
            stale.append(os.path.relpath(path, ROOT))
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote", os.path.relpath(path, ROOT))
    if stale:
        print("out of date (run python3 dashboards/generate.py):", ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
