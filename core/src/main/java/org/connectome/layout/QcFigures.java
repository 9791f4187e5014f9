package org.connectome.layout;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.connectome.files.AtomicFile;
import org.connectome.pipeline.Json;

/**
 * Quality-control figures a stage measured, one small JSON object of named numbers per unit, beside
 * the run's outputs: {@code <runDir>/qc/<stage>/<step>/u<unit>.json}. Stage code publishes them as
 * it finishes a unit (a rerun overwrites them); the run's QC gates read the worst value of each
 * figure over the stage's units.
 */
public final class QcFigures {
  /** The folder under a run's folder. */
  public static final String DIR = "qc";

  private QcFigures() {}

  /** Writes the figures of one unit of {@code stage.step}, atomically; returns the file. */
  public static Path publish(
      Path runDir, String stage, String step, long unit, Map<String, Double> figures)
      throws IOException {
    Path f = runDir.resolve(DIR).resolve(stage).resolve(step).resolve("u" + unit + ".json");
    AtomicFile.write(f, Json.bytes(new TreeMap<>(figures)), false);
    return f;
  }

  /** The worst value of a figure over a stage's units, and the unit that has it. */
  public record Worst(double value, String unit) {}

  /**
   * The largest ({@code largest}) or smallest value of {@code figure} over every unit of {@code
   * stage} that published it; empty when none did.
   */
  public static Optional<Worst> worst(Path runDir, String stage, String figure, boolean largest)
      throws IOException {
    Path dir = runDir.resolve(DIR).resolve(stage);
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    Worst worst = null;
    try (DirectoryStream<Path> steps = Files.newDirectoryStream(dir)) {
      for (Path step : steps) {
        try (DirectoryStream<Path> units = Files.newDirectoryStream(step, "u*.json")) {
          for (Path u : units) {
            JsonNode v = Json.mapper().readTree(u.toFile()).path(figure);
            if (!v.isNumber()) {
              continue;
            }
            double x = v.asDouble();
            if (worst == null || (largest ? x > worst.value() : x < worst.value())) {
              String name = u.getFileName().toString();
              worst =
                  new Worst(
                      x, step.getFileName() + " unit " + name.substring(1, name.length() - 5));
            }
          }
        }
      }
    }
    return Optional.ofNullable(worst);
  }

  /** Every figure name the units of {@code stage} published, for messages. */
  public static java.util.SortedSet<String> names(Path runDir, String stage) throws IOException {
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    Path dir = runDir.resolve(DIR).resolve(stage);
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (var files = Files.walk(dir, 2)) {
      for (Path u : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".json"))::iterator) {
        for (Iterator<String> it = Json.mapper().readTree(u.toFile()).fieldNames();
            it.hasNext(); ) {
          out.add(it.next());
        }
      }
    }
    return out;
  }
}
