package org.connectome.layout;

import java.nio.file.Path;

/**
 * A step's folder: its definition ({@code step.json}, what tasks read), outputs, completion markers
 * beside them, task reports and task logs.
 */
public record StepLayout(Path dir) {
  /**
   * The run folder: a step's folder is {@code <run>/stages/<stage>/<step>/} ({@link RunLayout}).
   */
  public Path runDir() {
    Path p = dir.toAbsolutePath();
    return p.getParent().getParent().getParent();
  }

  public Path definitionFile() {
    return dir.resolve("step.json");
  }

  public Path outputDir() {
    return dir.resolve("output");
  }

  public Path markersDir() {
    return dir.resolve("markers");
  }

  public Path reportsDir() {
    return dir.resolve("reports");
  }

  public Path reportFile(long task) {
    return reportsDir().resolve("task-" + task + ".json");
  }

  public Path logsDir() {
    return dir.resolve("logs");
  }

  public Path logFile(long task, int attempt) {
    return logsDir().resolve("task-" + task + ".attempt-" + attempt + ".log");
  }
}
