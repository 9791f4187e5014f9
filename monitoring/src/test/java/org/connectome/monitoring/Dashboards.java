package org.connectome.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The Grafana dashboards of dashboards/*.json, read the way the checks need them. */
final class Dashboards {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A panel needing an exporter the platform does not ship says so first in its description. */
  static final Pattern OPTIONAL = Pattern.compile("^\\[optional: ([^]]+)]");

  private Dashboards() {}

  record Target(String refId, String expr, boolean instant) {}

  record Panel(
      String dashboard,
      int id,
      String type,
      String title,
      String description,
      List<Target> targets,
      JsonNode json) {
    /** The exporter an optional panel needs, or null for a core panel. */
    String optionalExporter() {
      Matcher m = OPTIONAL.matcher(description == null ? "" : description);
      return m.find() ? m.group(1) : null;
    }

    @Override
    public String toString() {
      return dashboard + " #" + id + " \"" + title + "\"";
    }
  }

  record Dashboard(Path file, JsonNode json) {
    String uid() {
      return json.path("uid").asText();
    }

    String title() {
      return json.path("title").asText();
    }

    List<Panel> panels() {
      List<Panel> out = new ArrayList<>();
      collect(json.path("panels"), out);
      return out;
    }

    private void collect(JsonNode panels, List<Panel> out) {
      for (JsonNode p : panels) {
        if (p.path("type").asText().equals("row")) {
          collect(p.path("panels"), out);
          continue;
        }
        List<Target> targets = new ArrayList<>();
        for (JsonNode t : p.path("targets")) {
          targets.add(
              new Target(
                  t.path("refId").asText(),
                  t.path("expr").asText(),
                  t.path("instant").asBoolean()));
        }
        out.add(
            new Panel(
                uid(),
                p.path("id").asInt(),
                p.path("type").asText(),
                p.path("title").asText(),
                p.path("description").asText(""),
                targets,
                p));
      }
    }

    /** The template variables by name. */
    Map<String, JsonNode> variables() {
      Map<String, JsonNode> vars = new LinkedHashMap<>();
      for (JsonNode v : json.path("templating").path("list")) {
        vars.put(v.path("name").asText(), v);
      }
      return vars;
    }
  }

  /** dashboards/*.json, by file name. */
  static List<Dashboard> all() {
    try (Stream<Path> files = Files.list(Tools.dashboards())) {
      List<Dashboard> out = new ArrayList<>();
      for (Path f :
          files
              .filter(f -> f.getFileName().toString().endsWith(".json"))
              .sorted(Comparator.comparing(Path::toString))
              .toList()) {
        out.add(new Dashboard(f, JSON.readTree(f.toFile())));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Dashboard byUid(String uid) {
    return all().stream()
        .filter(d -> d.uid().equals(uid))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no dashboard " + uid));
  }

  /**
   * {@code expr} with Grafana's variables replaced as Grafana does: {@code ${name:fmt}}, {@code
   * ${name}} and {@code $name} from {@code vars}, longest names first.
   */
  static String substitute(String expr, Map<String, String> vars) {
    String out = expr;
    List<String> names = new ArrayList<>(vars.keySet());
    names.sort(Comparator.comparingInt(String::length).reversed());
    for (String name : names) {
      String value = Matcher.quoteReplacement(vars.get(name));
      out = out.replaceAll("\\$\\{" + Pattern.quote(name) + "(:[a-z]+)?}", value);
      out = out.replaceAll("\\$" + Pattern.quote(name) + "(?![A-Za-z0-9_])", value);
    }
    return out;
  }
}
