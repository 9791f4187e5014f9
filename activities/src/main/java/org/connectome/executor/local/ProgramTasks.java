package org.connectome.executor.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.connectome.executor.FailureClassifier;
import org.connectome.executor.Termination;
import org.connectome.files.Crc32c;
import org.connectome.files.OutputFile;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.MarkerStore;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.ContainerSpec;
import org.connectome.task.ProgramTemplate;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskEnv;
import org.connectome.units.UnitRange;

/**
 * The tasks of one shard of a {@code command} step: a facility's own program run per task on this
 * machine, as a {@code container} step runs in its image on Kubernetes. The command template gets
 * the same placeholders and variables ({@code CX_TASK}, {@code CX_UNIT_START}, {@code CX_UNIT_END},
 * {@code CX_BBOX}, {@code CX_TASK_ATTEMPT}, {@code CX_STEP_DIR}); the program runs in the run's
 * folder, in the step's environment ({@code container.python}: a project-made Python environment,
 * its {@code bin} first on the PATH; {@code container.env} over it). The program knows nothing of
 * markers: when it exits 0 and every declared output exists, the platform writes the markers of the
 * task's units, each listing the task's outputs with sizes and checksums.
 */
final class ProgramTasks implements TaskLauncher {
  /** Why a program could not be started: it becomes a typed failure, not an executor error. */
  static final class NotStarted extends IOException {
    NotStarted(String message) {
      super(message);
    }
  }

  private final StepConfig step;
  private final StepLayout layout;
  private final TaskDefinition definition;
  private final ContainerSpec program;
  private final Map<String, String> environment;

  private ProgramTasks(
      StepConfig step,
      StepLayout layout,
      TaskDefinition definition,
      Map<String, String> environment) {
    this.step = step;
    this.layout = layout;
    this.definition = definition;
    this.program = definition.container();
    this.environment = environment;
  }

  /**
   * Reads the step's definition and makes its environment.
   *
   * @throws PreparationFailed with the termination every task of the shard ends with
   */
  static ProgramTasks prepare(StepConfig step, Path stepDir, PythonEnvironments pythons)
      throws PreparationFailed {
    StepLayout layout = new StepLayout(stepDir);
    TaskDefinition definition;
    try {
      definition = TaskDefinition.read(layout.definitionFile());
    } catch (IOException e) {
      throw new PreparationFailed(
          new Termination(
              org.connectome.task.TaskExitCodes.BAD_DEFINITION,
              null,
              "cannot read " + layout.definitionFile() + ": " + e.getMessage()));
    }
    ContainerSpec c = definition.container();
    if (c == null || c.command() == null || c.command().isEmpty()) {
      throw new PreparationFailed(
          new Termination(
              org.connectome.task.TaskExitCodes.BAD_DEFINITION,
              null,
              step.qualifiedName()
                  + " has implementation 'command' but no container.command in "
                  + layout.definitionFile()));
    }
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    if (c.python() != null) {
      Path venv;
      try {
        venv = pythons.environment(c.python());
      } catch (IOException e) {
        throw new PreparationFailed(
            new Termination(
                -1,
                FailureClassifier.PROGRAM_ENVIRONMENT,
                "container.python " + c.python() + ": " + e.getMessage()));
      }
      env.put("VIRTUAL_ENV", venv.toString());
      env.put("PATH", venv.resolve("bin") + File.pathSeparator + env.getOrDefault("PATH", ""));
      env.remove("PYTHONHOME");
    }
    if (c.env() != null) {
      env.putAll(c.env());
    }
    return new ProgramTasks(step, layout, definition, Map.copyOf(env));
  }

  /** A shard whose program cannot run at all. */
  static final class PreparationFailed extends Exception {
    private final transient Termination termination;

    PreparationFailed(Termination termination) {
      super(termination.message());
      this.termination = termination;
    }

    Termination termination() {
      return termination;
    }
  }

  @Override
  public String name() {
    return "command";
  }

  private ProgramTemplate.Values values(long task) {
    return ProgramTemplate.values(
        layout.dir().toString(), definition.params(), definition.plan(), task);
  }

  /** The task's command line, placeholders replaced. */
  List<String> command(long task) throws NotStarted {
    try {
      return ProgramTemplate.render(program.command(), values(task), "container.command");
    } catch (IllegalArgumentException e) {
      throw new NotStarted(e.getMessage());
    }
  }

  /**
   * Seconds a program has to exit after its launcher died and it was asked to stop, before it is
   * killed.
   */
  static final int ORPHAN_GRACE_SECONDS = 5;

  /**
   * {@code cmd} under a watchdog: a shell starts the program in a process group of its own, with
   * /dev/null as its input, and waits for it, exiting with its code; beside it the shell reads its
   * own input, a pipe the launcher never writes. When the launcher dies, even by SIGKILL, the pipe
   * closes and the watchdog stops the program's whole group (TERM, then KILL after {@value
   * #ORPHAN_GRACE_SECONDS} s), so no orphan goes on writing outputs that a resumed run redoes. A
   * task JVM stops itself the same way; a program of another language cannot be asked to. (The pipe
   * goes to the watchdog as descriptor 3: without job control a shell gives a background list
   * /dev/null as its standard input.)
   */
  static List<String> watched(List<String> cmd) {
    String script =
        "exec 3<&0\n"
            + "setsid \"$@\" </dev/null 3<&- & child=$!\n"
            + "( while read -r _; do :; done; kill -TERM -$child 2>/dev/null\n"
            + "  for _ in $(seq "
            + ORPHAN_GRACE_SECONDS
            + "); do kill -0 -$child 2>/dev/null || exit 0; sleep 1; done\n"
            + "  kill -KILL -$child 2>/dev/null ) <&3 & watch=$!\n"
            + "exec 3<&-\n"
            + "wait $child; code=$?\n"
            + "kill $watch 2>/dev/null\n"
            + "exit $code\n";
    List<String> w = new java.util.ArrayList<>(List.of("/bin/sh", "-c", script, "cx-program"));
    w.addAll(cmd);
    return w;
  }

  @Override
  public RunningTask launch(TaskLaunch l) throws IOException {
    List<String> cmd = command(l.task());
    Path runDir = Path.of(definition.runDir());
    String executable = resolve(cmd.get(0), runDir);
    cmd.set(0, executable);
    Files.createDirectories(l.logFile().getParent());
    ProcessBuilder pb = new ProcessBuilder(watched(cmd)).directory(runDir.toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.putAll(environment);
    ProgramTemplate.Values v = values(l.task());
    env.put(TaskEnv.STEP_DIR, layout.dir().toString());
    env.put(TaskEnv.ATTEMPT, Integer.toString(l.attempt()));
    env.put("CX_TASK", Long.toString(l.task()));
    env.put("CX_UNIT_START", Long.toString(v.unitStart()));
    env.put("CX_UNIT_END", Long.toString(v.unitEnd()));
    env.put("CX_BBOX", v.bbox());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(l.logFile().toFile()));
    // the watchdog reads this pipe, which nobody writes: it closes when this process dies
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new NotStarted("cannot start " + executable + ": " + e.getMessage());
    }
    return new RunningTask() {
      @Override
      public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
            ? OptionalInt.of(p.exitValue())
            : OptionalInt.empty();
      }

      @Override
      public void stop(Duration grace) {
        // the program's own children (a shell's, a Python pool's) go with it
        List<ProcessHandle> family = p.descendants().toList();
        family.forEach(ProcessHandle::destroy);
        Processes.stop(p, grace);
        family.forEach(ProcessHandle::destroyForcibly);
      }

      @Override
      public long pid() {
        return p.pid();
      }
    };
  }

  /**
   * The program's path: as given when it names a folder (relative to the run's folder), else the
   * first match on the environment's PATH.
   */
  private String resolve(String program, Path runDir) throws NotStarted {
    if (program.contains("/")) {
      Path p = runDir.resolve(program);
      if (!Files.isRegularFile(p)) {
        throw new NotStarted("program " + p + " does not exist (container.command[0])");
      }
      if (!Files.isExecutable(p)) {
        throw new NotStarted("program " + p + " is not executable (container.command[0])");
      }
      return p.toString();
    }
    String path = environment.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new NotStarted(
        "program '"
            + program
            + "' is not on the PATH of the step's environment (container.command[0]; PATH="
            + path
            + ")");
  }

  /** Whether a declared output's name holds a wildcard ({@code *} or {@code ?}). */
  private static boolean isGlob(Path p) {
    String name = p.getFileName() == null ? "" : p.getFileName().toString();
    return name.contains("*") || name.contains("?");
  }

  /** The files of the glob's folder whose names match it, sorted; none when there is no folder. */
  private static List<Path> matches(Path glob) throws IOException {
    Path folder = glob.getParent();
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    var matcher = folder.getFileSystem().getPathMatcher("glob:" + glob.getFileName());
    try (Stream<Path> s = Files.list(folder)) {
      return s.filter(f -> matcher.matches(f.getFileName()) && Files.isRegularFile(f))
          .sorted()
          .toList();
    }
  }

  private static OutputFile output(Path runDir, Path f) throws IOException {
    String rel = f.startsWith(runDir) ? runDir.relativize(f).toString() : f.toString();
    return new OutputFile(rel, Files.size(f), Crc32c.of(f));
  }

  /**
   * The completion rule of a task whose program exited 0: every declared output exists, then the
   * markers of its units are written. Returns null when the task is done, else how it failed.
   */
  Termination complete(long task, int attempt, Instant start, Instant end) throws IOException {
    Path runDir = Path.of(definition.runDir());
    List<String> declared;
    try {
      declared = ProgramTemplate.render(program.outputs(), values(task), "container.outputs");
    } catch (IllegalArgumentException e) {
      return new Termination(
          org.connectome.task.TaskExitCodes.BAD_DEFINITION, null, e.getMessage());
    }
    List<OutputFile> outputs = new ArrayList<>();
    for (String d : declared) {
      Path p = runDir.resolve(d).normalize();
      if (isGlob(p)) {
        for (Path f : matches(p)) {
          outputs.add(output(runDir, f));
        }
        continue;
      }
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return new Termination(
            0,
            FailureClassifier.OUTPUT_MISSING,
            "the program exited 0 but its declared output " + p + " does not exist");
      }
      List<Path> files;
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          files = s.filter(Files::isRegularFile).sorted().toList();
        }
      } else {
        files = List.of(p);
      }
      for (Path f : files) {
        outputs.add(output(runDir, f));
      }
    }
    MarkerStore markers = new MarkerStore(layout.markersDir(), runDir);
    UnitRange units = definition.plan().grouping().unitsOfTask(task);
    String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
    for (long u = units.from(); u < units.to(); u++) {
      markers.write(
          new CompletionMarker(
              step.stage(),
              step.step(),
              u,
              step.paramsHash(),
              "command:" + String.join(" ", program.command()),
              attempt,
              task,
              host,
              start,
              end,
              outputs));
    }
    return null;
  }
}
