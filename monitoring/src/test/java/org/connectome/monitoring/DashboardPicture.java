package org.connectome.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Draws a dashboard as an HTML page with inline SVG charts, from its panels' own queries against a
 * Prometheus: the README's picture (headless Chromium turns the page into a PNG, see
 * dashboards/picture/). It follows the dashboard's layout (gridPos), panel types, units, legends
 * and thresholds; it is a stand-in for Grafana, which cannot be installed here, not a copy of it.
 */
final class DashboardPicture {
  private static final int WIDTH = 1600;
  private static final int GAP = 8;
  private static final int ROW_PX = 30;
  private static final String[] PALETTE = {
    "#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0",
    "#37872d", "#fade2a", "#447ebc", "#c15c17", "#890f02", "#0a437c", "#6d1f62", "#584477"
  };
  private static final DateTimeFormatter HHMMSS =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Prometheus prom;
  private final Map<String, String> vars;
  private final Instant start;
  private final Instant end;
  private final Duration step;

  private DashboardPicture(Prometheus prom, Map<String, String> vars, Instant start, Instant end) {
    this.prom = prom;
    this.vars = vars;
    this.start = start;
    this.end = end;
    this.step = Duration.ofMillis(Math.max(1000, Duration.between(start, end).toMillis() / 240));
  }

  /** Writes {@code dashboard} as an HTML page to {@code out}. */
  static void render(
      Prometheus prom,
      Dashboards.Dashboard dashboard,
      Map<String, String> vars,
      Instant start,
      Instant end,
      String caption,
      Path out)
      throws IOException, InterruptedException {
    new DashboardPicture(prom, vars, start, end).write(dashboard, caption, out);
  }

  private void write(Dashboards.Dashboard d, String caption, Path out)
      throws IOException, InterruptedException {
    double col = (WIDTH - GAP) / 24.0;
    int bottom = 0;
    StringBuilder body = new StringBuilder();
    for (JsonNode p : d.json().path("panels")) {
      JsonNode g = p.path("gridPos");
      int x = (int) Math.round(g.path("x").asInt() * col) + GAP;
      int y = g.path("y").asInt() * ROW_PX + GAP;
      int w = (int) Math.round(g.path("w").asInt() * col) - GAP;
      int h = g.path("h").asInt() * ROW_PX - GAP;
      bottom = Math.max(bottom, y + h);
      if (p.path("type").asText().equals("row")) {
        body.append(
            String.format(
                Locale.ROOT,
                "<div class=row style='left:%dpx;top:%dpx;width:%dpx'>%s</div>%n",
                x,
                y,
                w,
                esc(p.path("title").asText())));
        continue;
      }
      body.append(
          String.format(
              Locale.ROOT,
              "<div class=panel style='left:%dpx;top:%dpx;width:%dpx;height:%dpx'><div class=title>%s</div>",
              x,
              y,
              w,
              h,
              esc(p.path("title").asText())));
      body.append(panel(p, w - 16, h - 34));
      body.append("</div>\n");
    }
    String header =
        "<div class=header><span class=dash>"
            + esc(d.title())
            + "</span>"
            + "<span class=var>Data source <b>Prometheus</b></span><span class=var>Sample <b>"
            + esc(vars.get("sample"))
            + "</b></span><span class=var>Stage <b>All</b></span><span class=time>"
            + HHMMSS.format(start)
            + " to "
            + HHMMSS.format(end)
            + " UTC</span></div><div class=caption>"
            + esc(caption)
            + "</div>";
    String html =
        "<!doctype html><html><head><meta charset=utf-8><style>"
            + CSS
            + "</style></head><body>"
            + header
            + "<div class=grid style='height:"
            + (bottom + GAP)
            + "px'>"
            + body
            + "</div></body></html>\n";
    Files.writeString(out, html, StandardCharsets.UTF_8);
  }

  private String panel(JsonNode p, int w, int h) throws IOException, InterruptedException {
    String optional =
        Dashboards.OPTIONAL.matcher(p.path("description").asText()).find()
            ? p.path("description").asText().replaceFirst("^\\[optional: ([^]]+)].*", "$1")
            : null;
    List<Series> series = new ArrayList<>();
    boolean instant = false;
    for (JsonNode t : p.path("targets")) {
      String expr = Dashboards.substitute(t.path("expr").asText(), vars);
      String legend = t.path("legendFormat").asText();
      instant |= t.path("instant").asBoolean();
      if (optional != null) {
        continue;
      }
      JsonNode data =
          t.path("instant").asBoolean()
              ? prom.query(expr, end)
              : prom.queryRange(expr, start, end, step);
      for (JsonNode s : data.path("result")) {
        Series out = new Series(legend(legend, s.path("metric")), labels(s.path("metric")));
        if (s.has("value")) {
          out.add(s.path("value").get(0).asDouble(), s.path("value").get(1).asText());
        }
        for (JsonNode v : s.path("values")) {
          out.add(v.get(0).asDouble(), v.get(1).asText());
        }
        series.add(out);
      }
    }
    if (optional != null || series.stream().allMatch(s -> s.values.isEmpty())) {
      return "<div class=nodata>No data"
          + (optional == null ? "" : "<small>needs " + esc(optional) + "</small>")
          + "</div>";
    }
    JsonNode defaults = p.path("fieldConfig").path("defaults");
    String unit = defaults.path("unit").asText("short");
    return switch (p.path("type").asText()) {
      case "stat" -> stat(series, unit, defaults, w, h);
      case "bargauge" -> bargauge(series, unit, defaults, w, h);
      case "table" -> table(series);
      default ->
          timeseries(
              series,
              unit,
              defaults,
              p.path("fieldConfig")
                  .path("defaults")
                  .path("custom")
                  .path("drawStyle")
                  .asText()
                  .equals("bars"),
              w,
              h,
              instant);
    };
  }

  /** One series: legend and (time, value) points. */
  private static final class Series {
    final String name;
    final Map<String, String> labels;
    final TreeMap<Double, Double> values = new TreeMap<>();

    Series(String name, Map<String, String> labels) {
      this.name = name;
      this.labels = labels;
    }

    void add(double t, String v) {
      try {
        double d = Double.parseDouble(v);
        if (!Double.isNaN(d) && !Double.isInfinite(d)) {
          values.put(t, d);
        }
      } catch (NumberFormatException ignored) {
        // not a number
      }
    }

    double last() {
      return values.isEmpty() ? Double.NaN : values.lastEntry().getValue();
    }
  }

  private static Map<String, String> labels(JsonNode metric) {
    Map<String, String> m = new TreeMap<>();
    metric.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  private static String legend(String format, JsonNode metric) {
    if (format.isEmpty() || format.equals("__auto")) {
      Map<String, String> m = labels(metric);
      m.remove("__name__");
      return m.isEmpty() ? "value" : m.toString();
    }
    Matcher m = Pattern.compile("\\{\\{\\s*([a-zA-Z_]+)\\s*}}").matcher(format);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(b, Matcher.quoteReplacement(metric.path(m.group(1)).asText("")));
    }
    m.appendTail(b);
    return b.toString().trim();
  }

  private String stat(List<Series> series, String unit, JsonNode defaults, int w, int h) {
    double value = 0;
    boolean any = false;
    for (Series s : series) {
      if (!Double.isNaN(s.last())) {
        value += s.last();
        any = true;
      }
    }
    String color = thresholdColor(defaults, any ? value : 0);
    StringBuilder b = new StringBuilder("<svg width=" + w + " height=" + h + ">");
    Series first = series.get(0);
    if (first.values.size() > 1) {
      b.append(path(first, w, h, 0, max(List.of(first)) * 1.1, color, true));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=%d y=%d class=big fill='%s'>%s</text></svg>",
            w / 2,
            h / 2 + 14,
            color,
            any ? format(value, unit) : "–"));
    return b.toString();
  }

  private String bargauge(List<Series> series, String unit, JsonNode defaults, int w, int h) {
    double min = defaults.path("min").asDouble(0);
    double max =
        defaults.has("max") ? defaults.path("max").asDouble() : Math.max(1e-9, max(series));
    series.sort((a, b) -> a.name.compareTo(b.name));
    int n = series.size();
    double rowH = Math.min(26, (h - 4.0) / n);
    StringBuilder b = new StringBuilder("<svg width=" + w + " height=" + h + ">");
    int labelW = 190;
    int valueW = 70;
    for (int i = 0; i < n; i++) {
      Series s = series.get(i);
      double v = s.last();
      double frac = Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, (v - min) / (max - min)));
      double y = 2 + i * rowH;
      String color =
          defaults.path("color").path("mode").asText().equals("thresholds")
              ? thresholdColor(defaults, v)
              : "#5794f2";
      b.append(
          String.format(
              Locale.ROOT, "<text x=0 y=%.1f class=lbl>%s</text>", y + rowH * 0.7, esc(s.name)));
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=%d y=%.1f width=%.1f height=%.1f fill='#2a2d33' />",
              labelW,
              y + 2,
              (double) (w - labelW - valueW),
              rowH - 4));
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=%d y=%.1f width=%.1f height=%.1f fill='%s' opacity=.9 />",
              labelW,
              y + 2,
              (w - labelW - valueW) * frac,
              rowH - 4,
              color));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=%d y=%.1f class=val fill='%s'>%s</text>",
              w - 4,
              y + rowH * 0.7,
              color,
              format(v, unit)));
    }
    return b.append("</svg>").toString();
  }

  private String table(List<Series> series) {
    List<String> cols = new ArrayList<>();
    for (Series s : series) {
      for (String k : s.labels.keySet()) {
        if (!k.equals("__name__")
            && !cols.contains(k)
            && !k.equals("instance")
            && !k.equals("job")) {
          cols.add(k);
        }
      }
    }
    StringBuilder b = new StringBuilder("<table><tr>");
    cols.forEach(c -> b.append("<th>").append(esc(c)).append("</th>"));
    b.append("</tr>");
    for (Series s : series) {
      b.append("<tr>");
      for (String c : cols) {
        String v = s.labels.getOrDefault(c, "");
        String cls =
            v.equals("DONE")
                ? " class=ok"
                : v.equals("FAILED") ? " class=bad" : v.equals("RUNNING") ? " class=run" : "";
        b.append("<td").append(cls).append('>').append(esc(v)).append("</td>");
      }
      b.append("</tr>");
    }
    return b.append("</table>").toString();
  }

  private String timeseries(
      List<Series> series,
      String unit,
      JsonNode defaults,
      boolean bars,
      int w,
      int h,
      boolean instant) {
    int legendRows = Math.min(3, (series.size() + 2) / 3);
    int chartH = h - 16 * legendRows - 18;
    int axisW = 62;
    int plotW = w - axisW;
    double max = defaults.has("max") ? defaults.path("max").asDouble() : max(series);
    max = niceCeil(max <= 0 ? 1 : max * 1.05);
    StringBuilder b = new StringBuilder("<svg width=" + w + " height=" + h + ">");
    for (int i = 0; i <= 4; i++) {
      double y = 4 + (chartH - 4) * (1 - i / 4.0);
      b.append(
          String.format(
              Locale.ROOT, "<line x1=%d x2=%d y1=%.1f y2=%.1f class=gridline />", axisW, w, y, y));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=%d y=%.1f class=axis text-anchor=end>%s</text>",
              axisW - 6,
              y + 4,
              format(max * i / 4, unit)));
    }
    double t0 = start.toEpochMilli() / 1000.0;
    double t1 = end.toEpochMilli() / 1000.0;
    for (int i = 0; i <= 4; i++) {
      double t = t0 + (t1 - t0) * i / 4;
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=%.1f y=%d class=axis text-anchor=middle>%s</text>",
              axisW + plotW * i / 4.0 - (i == 4 ? 22 : i == 0 ? -22 : 0),
              chartH + 14,
              HHMMSS.format(Instant.ofEpochMilli((long) (t * 1000)))));
    }
    b.append(String.format(Locale.ROOT, "<g transform='translate(%d,4)'>", axisW));
    int i = 0;
    for (Series s : series) {
      String color = PALETTE[i++ % PALETTE.length];
      if (bars) {
        double bw = Math.max(1.5, plotW * step.toMillis() / 1000.0 / (t1 - t0) * 0.8);
        for (Map.Entry<Double, Double> e : s.values.entrySet()) {
          if (e.getValue() <= 0) {
            continue;
          }
          double x = plotW * (e.getKey() - t0) / (t1 - t0);
          double bh = (chartH - 4) * Math.min(1, e.getValue() / max);
          b.append(
              String.format(
                  Locale.ROOT,
                  "<rect x=%.1f y=%.1f width=%.1f height=%.1f fill='%s' " + "opacity=.85 />",
                  x - bw / 2,
                  chartH - 4 - bh,
                  bw,
                  bh,
                  color));
        }
      } else {
        b.append(path(s, plotW, chartH - 4, t0, t1, 0, max, color, true));
      }
    }
    b.append("</g>");
    int lx = 4;
    int ly = chartH + 30;
    int perRow = 3;
    i = 0;
    for (Series s : series) {
      if (i >= perRow * legendRows) {
        b.append(
            String.format(
                Locale.ROOT,
                "<text x=%d y=%d class=legend>… %d more</text>",
                lx,
                ly,
                series.size() - i));
        break;
      }
      String color = PALETTE[i % PALETTE.length];
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=%d y=%d width=12 height=3 fill='%s' /><text x=%d y=%d "
                  + "class=legend>%s</text>",
              lx,
              ly - 5,
              color,
              lx + 16,
              ly,
              esc(trim(s.name, 38))));
      i++;
      lx += w / perRow;
      if (i % perRow == 0) {
        lx = 4;
        ly += 16;
      }
    }
    return b.append("</svg>").toString();
  }

  /**
   * A line (and light area) of {@code s} scaled into w x h; t0/t1 time range, min/max value range.
   */
  private static String path(
      Series s,
      int w,
      int h,
      double t0,
      double t1,
      double min,
      double max,
      String color,
      boolean area) {
    StringBuilder d = new StringBuilder();
    Iterator<Map.Entry<Double, Double>> it = s.values.entrySet().iterator();
    Double prevT = null;
    double firstX = 0;
    double lastX = 0;
    List<String> segments = new ArrayList<>();
    while (it.hasNext()) {
      Map.Entry<Double, Double> e = it.next();
      double x = w * (e.getKey() - t0) / (t1 - t0);
      double y = h * (1 - Math.min(1, (e.getValue() - min) / (max - min)));
      boolean gap = prevT != null && e.getKey() - prevT > 10;
      if (prevT == null || gap) {
        if (d.length() > 0) {
          segments.add(d + "|" + firstX + "|" + lastX);
          d.setLength(0);
        }
        d.append(String.format(Locale.ROOT, "M%.1f,%.1f", x, y));
        firstX = x;
      } else {
        d.append(String.format(Locale.ROOT, "L%.1f,%.1f", x, y));
      }
      lastX = x;
      prevT = e.getKey();
    }
    if (d.length() > 0) {
      segments.add(d + "|" + firstX + "|" + lastX);
    }
    StringBuilder out = new StringBuilder();
    for (String seg : segments) {
      String[] parts = seg.split("\\|");
      if (area) {
        out.append(
            String.format(
                Locale.ROOT,
                "<path d='%sL%s,%dL%s,%dZ' fill='%s' opacity=.12 />",
                parts[0],
                parts[2],
                h,
                parts[1],
                h,
                color));
      }
      out.append(
          String.format(
              Locale.ROOT,
              "<path d='%s' fill=none stroke='%s' stroke-width=1.6 />",
              parts[0],
              color));
    }
    return out.toString();
  }

  /** A stat's sparkline over the whole panel. */
  private String path(Series s, int w, int h, double min, double max, String color, boolean area) {
    return "<g opacity=.5>"
        + path(
            s,
            w,
            h,
            start.toEpochMilli() / 1000.0,
            end.toEpochMilli() / 1000.0,
            min,
            max <= min ? min + 1 : max,
            color,
            area)
        + "</g>";
  }

  private static double max(List<Series> series) {
    double m = 0;
    for (Series s : series) {
      for (double v : s.values.values()) {
        m = Math.max(m, v);
      }
    }
    return m;
  }

  private static double niceCeil(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double f : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (f * p >= v) {
        return f * p;
      }
    }
    return 10 * p;
  }

  private static String thresholdColor(JsonNode defaults, double v) {
    String color = "#73bf69";
    for (JsonNode s : defaults.path("thresholds").path("steps")) {
      if (s.path("value").isNull() || v >= s.path("value").asDouble()) {
        color = named(s.path("color").asText());
      }
    }
    return color;
  }

  private static String named(String c) {
    return switch (c) {
      case "green" -> "#73bf69";
      case "red" -> "#f2495c";
      case "orange" -> "#ff9830";
      case "blue" -> "#5794f2";
      case "yellow" -> "#fade2a";
      default -> c;
    };
  }

  static String format(double v, String unit) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return switch (unit) {
      case "percentunit" -> trimZeros(String.format(Locale.ROOT, "%.1f", v * 100)) + "%";
      case "percent" -> trimZeros(String.format(Locale.ROOT, "%.1f", v)) + "%";
      case "s" ->
          v >= 3600
              ? trimZeros(String.format(Locale.ROOT, "%.1f", v / 3600)) + " h"
              : v >= 60
                  ? trimZeros(String.format(Locale.ROOT, "%.1f", v / 60)) + " min"
                  : v >= 1 || v == 0
                      ? trimZeros(String.format(Locale.ROOT, "%.1f", v)) + " s"
                      : trimZeros(String.format(Locale.ROOT, "%.0f", v * 1000)) + " ms";
      case "Bps" -> bytes(v) + "/s";
      case "bytes" -> bytes(v);
      default -> si(v);
    };
  }

  private static String bytes(double v) {
    String[] u = {"B", "kB", "MB", "GB", "TB"};
    int i = 0;
    while (v >= 1000 && i < u.length - 1) {
      v /= 1000;
      i++;
    }
    return trimZeros(
            String.format(Locale.ROOT, v >= 100 || (i == 0 && v >= 10) ? "%.0f" : "%.1f", v))
        + " "
        + u[i];
  }

  private static String si(double v) {
    if (Math.abs(v) >= 1e6) {
      return trimZeros(String.format(Locale.ROOT, "%.1f", v / 1e6)) + " M";
    }
    if (Math.abs(v) >= 1e4) {
      return trimZeros(String.format(Locale.ROOT, "%.1f", v / 1e3)) + " k";
    }
    return trimZeros(
        String.format(Locale.ROOT, Math.abs(v) >= 100 || v == Math.rint(v) ? "%.0f" : "%.2f", v));
  }

  private static String trimZeros(String s) {
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  private static String esc(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }

  private static final String CSS =
      """
      body{margin:0;background:#111217;color:#ccccdc;font:13px/1.3 Inter,'Helvetica Neue',Arial,sans-serif;width:1600px}
      .header{display:flex;gap:18px;align-items:center;padding:12px 16px 4px 16px}
      .dash{font-size:19px;color:#e6e6f0;font-weight:500;margin-right:12px}
      .var{background:#181b1f;border:1px solid #2c3235;padding:4px 8px;border-radius:2px;color:#9fa7b3}
      .var b{color:#d8d9da;font-weight:500;margin-left:6px}
      .time{margin-left:auto;color:#9fa7b3}
      .caption{padding:2px 16px 0 16px;color:#7b8087;font-size:12px}
      .grid{position:relative}
      .row{position:absolute;font-size:15px;color:#d8d9da;font-weight:500;padding-top:6px}
      .panel{position:absolute;background:#181b1f;border:1px solid #24292e;border-radius:3px;box-sizing:border-box;padding:6px 8px;overflow:hidden}
      .title{font-weight:500;color:#d8d9da;font-size:13px;height:22px;white-space:nowrap;overflow:hidden}
      .nodata{display:flex;flex-direction:column;align-items:center;justify-content:center;height:75%;color:#8e8e8e;font-size:15px}
      .nodata small{font-size:11px;margin-top:4px;color:#6e7176}
      svg text{font-family:inherit}
      .big{font-size:34px;font-weight:500;text-anchor:middle}
      .axis{font-size:10.5px;fill:#8e9297}
      .legend{font-size:11px;fill:#c7d0d9}
      .lbl{font-size:11.5px;fill:#c7d0d9}
      .val{font-size:12px;text-anchor:end;font-weight:500}
      .gridline{stroke:#2a2e33;stroke-width:1}
      table{border-collapse:collapse;width:100%;font-size:12px}
      th{text-align:left;color:#6e9fff;font-weight:500;border-bottom:1px solid #2c3235;padding:4px 6px}
      td{padding:4px 6px;border-bottom:1px solid #22252b}
      td.ok{color:#73bf69}td.bad{color:#f2495c}td.run{color:#5794f2}
      """;
}
