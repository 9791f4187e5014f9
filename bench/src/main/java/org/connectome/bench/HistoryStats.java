package org.connectome.bench;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figures of workflow histories: events, bytes, continue-as-new, and the Temporal actions they
 * record (workflow tasks completed, activities scheduled, child workflows, timers, signals), plus
 * the most activities pending at once.
 */
public final class HistoryStats {
  private HistoryStats() {}

  /** One workflow execution (one run of a workflow ID). */
  public record Execution(
      String workflowId,
      String runId,
      String type,
      int events,
      long bytes,
      boolean continuedAsNew,
      int workflowTasksCompleted,
      int activitiesScheduled,
      int activityAttemptsFailed,
      int childWorkflowsStarted,
      int timersStarted,
      int signalsReceived,
      int maxPendingActivities,
      Instant start,
      Instant close) {}

  /** Every closed execution of the namespace, paging through ListClosedWorkflowExecutions. */
  public static List<WorkflowExecutionInfo> listClosed(
      WorkflowServiceStubs service, String namespace) {
    List<WorkflowExecutionInfo> out = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListClosedWorkflowExecutionsResponse r =
          service
              .blockingStub()
              .listClosedWorkflowExecutions(
                  ListClosedWorkflowExecutionsRequest.newBuilder()
                      .setNamespace(namespace)
                      .setMaximumPageSize(1000)
                      .setNextPageToken(token)
                      .build());
      out.addAll(r.getExecutionsList());
      token = r.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  /**
   * Fetches and measures the history of every closed execution (one at a time: only figures are
   * kept).
   */
  public static List<Execution> measureAll(
      WorkflowClient client, WorkflowServiceStubs service, String namespace) {
    List<Execution> out = new ArrayList<>();
    for (WorkflowExecutionInfo info : listClosed(service, namespace)) {
      out.add(measure(client, info.getExecution(), info.getType().getName()));
    }
    return out;
  }

  public static Execution measure(WorkflowClient client, WorkflowExecution e, String type) {
    WorkflowExecutionHistory h = client.fetchHistory(e.getWorkflowId(), e.getRunId());
    List<HistoryEvent> events = h.getEvents();
    int wft = 0;
    int scheduled = 0;
    int failedAttempts = 0;
    int children = 0;
    int timers = 0;
    int signals = 0;
    int pending = 0;
    int maxPending = 0;
    for (HistoryEvent ev : events) {
      EventType t = ev.getEventType();
      switch (t) {
        case EVENT_TYPE_WORKFLOW_TASK_COMPLETED -> wft++;
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
          scheduled++;
          pending++;
          maxPending = Math.max(maxPending, pending);
        }
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
            EVENT_TYPE_ACTIVITY_TASK_CANCELED,
            EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ->
            pending--;
        case EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
          pending--;
          failedAttempts++;
        }
        case EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED -> children++;
        case EVENT_TYPE_TIMER_STARTED -> timers++;
        case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> signals++;
        default -> {
          // not counted
        }
      }
    }
    HistoryEvent first = events.get(0);
    HistoryEvent last = events.get(events.size() - 1);
    Instant start =
        Instant.ofEpochSecond(first.getEventTime().getSeconds(), first.getEventTime().getNanos());
    Instant close =
        Instant.ofEpochSecond(last.getEventTime().getSeconds(), last.getEventTime().getNanos());
    return new Execution(
        e.getWorkflowId(),
        e.getRunId(),
        type,
        events.size(),
        h.getHistory().getSerializedSize(),
        last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        wft,
        scheduled,
        failedAttempts,
        children,
        timers,
        signals,
        maxPending,
        start,
        close);
  }

  /** The executions of one workflow ID (a step's chain of continue-as-new), summed. */
  public record Chain(
      String workflowId,
      String type,
      int executions,
      int continuedAsNew,
      long events,
      int largestEvents,
      long largestBytes,
      long workflowTasksCompleted,
      long activitiesScheduled,
      int maxPendingActivities,
      Instant start,
      Instant close) {
    public Duration wall() {
      return Duration.between(start, close);
    }
  }

  public static Map<String, Chain> chains(List<Execution> executions) {
    Map<String, Chain> out = new LinkedHashMap<>();
    executions.stream()
        .sorted((a, b) -> a.start().compareTo(b.start()))
        .forEach(
            e ->
                out.merge(
                    e.workflowId(),
                    new Chain(
                        e.workflowId(),
                        e.type(),
                        1,
                        e.continuedAsNew() ? 1 : 0,
                        e.events(),
                        e.events(),
                        e.bytes(),
                        e.workflowTasksCompleted(),
                        e.activitiesScheduled(),
                        e.maxPendingActivities(),
                        e.start(),
                        e.close()),
                    (a, b) ->
                        new Chain(
                            a.workflowId(),
                            a.type(),
                            a.executions() + b.executions(),
                            a.continuedAsNew() + b.continuedAsNew(),
                            a.events() + b.events(),
                            Math.max(a.largestEvents(), b.largestEvents()),
                            Math.max(a.largestBytes(), b.largestBytes()),
                            a.workflowTasksCompleted() + b.workflowTasksCompleted(),
                            a.activitiesScheduled() + b.activitiesScheduled(),
                            Math.max(a.maxPendingActivities(), b.maxPendingActivities()),
                            a.start().isBefore(b.start()) ? a.start() : b.start(),
                            a.close().isAfter(b.close()) ? a.close() : b.close())));
    return out;
  }
}
