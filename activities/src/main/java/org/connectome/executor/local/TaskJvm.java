package org.connectome.executor.local;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.connectome.tasks.TaskJvmProtocol;

/**
 * One child JVM that runs tasks one after another ({@code TaskJvmMain}): a request line per task on
 * its standard input, the exit code back on its standard output. Whatever else it writes there
 * (native libraries, the JVM itself) goes to the log of the task it is running.
 */
final class TaskJvm {
  /** Main class of a reused task JVM. */
  static final String MAIN = "org.connectome.tasks.TaskJvmMain";

  private final Process process;
  private final Writer requests;
  private final List<String> key;
  private final Object lock = new Object();
  private CompletableFuture<TaskJvmProtocol.Reply> current;
  private Path currentLog;
  private int served;
  private long idleSince;
  private volatile boolean dead;

  private final java.util.function.IntConsumer onExit;

  private TaskJvm(Process process, List<String> key, java.util.function.IntConsumer onExit) {
    this.process = process;
    this.key = key;
    this.onExit = onExit;
    this.requests =
        new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread t = new Thread(this::readReplies, "task-jvm-" + process.pid());
    t.setDaemon(true);
    t.start();
  }

  /**
   * Starts a JVM with {@code command} (ending in {@link #MAIN}), reusable for tasks of {@code key};
   * {@code onExit} gets its exit code once it has exited.
   */
  static TaskJvm start(
      List<String> command, List<String> key, java.util.function.IntConsumer onExit)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    return new TaskJvm(pb.start(), key, onExit);
  }

  List<String> key() {
    return key;
  }

  int served() {
    return served;
  }

  long idleSince() {
    return idleSince;
  }

  boolean alive() {
    return !dead && process.isAlive();
  }

  Process process() {
    return process;
  }

  /**
   * Sends one task; its reply (exit code and the JVM's resident set after it) completes the
   * returned future, or the JVM's exit code if it died.
   */
  CompletableFuture<TaskJvmProtocol.Reply> run(Path logFile, Map<String, String> env)
      throws IOException {
    Files.createDirectories(logFile.getParent());
    CompletableFuture<TaskJvmProtocol.Reply> f = new CompletableFuture<>();
    synchronized (lock) {
      if (current != null && !current.isDone()) {
        throw new IllegalStateException("task JVM " + process.pid() + " is busy");
      }
      current = f;
      currentLog = logFile;
      served++;
    }
    try {
      requests.write(TaskJvmProtocol.request(new TaskJvmProtocol.Request(logFile, env)));
      requests.write('\n');
      requests.flush();
    } catch (IOException e) {
      dead = true;
      throw e;
    }
    return f;
  }

  /** Waits up to {@code timeout} for the task sent last. */
  static java.util.Optional<TaskJvmProtocol.Reply> await(
      CompletableFuture<TaskJvmProtocol.Reply> f, Duration timeout) throws InterruptedException {
    try {
      return java.util.Optional.of(f.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      return java.util.Optional.empty();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  void markIdle(long nowMillis) {
    idleSince = nowMillis;
  }

  /** Retires an idle JVM: its input closes and it exits by itself (writing a class archive). */
  void retire() {
    dead = true;
    try {
      requests.close();
    } catch (IOException e) {
      process.destroy();
    }
  }

  /** Stops the JVM and the task it runs: politely, then by force after {@code grace}. */
  void kill(Duration grace) {
    dead = true;
    Processes.stop(process, grace);
  }

  private void readReplies() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        java.util.Optional<TaskJvmProtocol.Reply> reply = TaskJvmProtocol.parseReply(line);
        synchronized (lock) {
          if (reply.isPresent() && current != null) {
            current.complete(reply.get());
          } else if (currentLog != null) {
            appendLine(currentLog, line);
          }
        }
      }
    } catch (IOException e) {
      // the JVM is gone: its exit code ends the task it ran
    }
    dead = true;
    int exit;
    try {
      exit = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = -1;
    }
    synchronized (lock) {
      if (current != null) {
        current.complete(new TaskJvmProtocol.Reply(exit, -1));
      }
    }
    onExit.accept(exit);
  }

  private static void appendLine(Path log, String line) {
    try (OutputStream o = new FileOutputStream(log.toFile(), true);
        PrintStream p = new PrintStream(o, true, StandardCharsets.UTF_8)) {
      p.println(line);
    } catch (IOException e) {
      // the log is not writable: the line is lost, the task goes on
    }
  }
}
