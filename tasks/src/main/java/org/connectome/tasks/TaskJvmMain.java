package org.connectome.tasks;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.connectome.task.TaskExitCodes;

/**
 * The entry point of a reused task JVM: runs tasks one after another, each exactly as {@link
 * TaskMain} runs one in a JVM of its own, so that a step's tasks pay for one JVM start, class
 * loading and JIT warm-up instead of one each. Requests come on standard input and replies go to
 * standard output ({@link TaskJvmProtocol}); each task's own output goes to its log file.
 *
 * <p>After each task the JVM collects its garbage and reports its resident set with the exit code.
 *
 * <p>Standard input also keeps the watchdog of {@link TaskMain}: when it closes while a task runs,
 * the launcher is gone and the JVM halts at once (no orphan runs units a resumed run would run
 * again); when it closes between tasks, the launcher retired this JVM and it exits normally.
 */
public final class TaskJvmMain {
  private TaskJvmMain() {}

  public static void main(String[] args) throws InterruptedException {
    PrintStream replies =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream out = System.out;
    PrintStream err = System.err;
    BlockingQueue<Optional<String>> requests = new LinkedBlockingQueue<>();
    AtomicBoolean busy = new AtomicBoolean();
    AtomicBoolean gone = new AtomicBoolean();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  requests.add(Optional.of(line));
                }
              } catch (IOException e) {
                // a broken pipe means the same as end of input
              }
              gone.set(true);
              if (busy.get()) {
                err.println("the launching process is gone: stopping");
                Runtime.getRuntime().halt(TaskExitCodes.ORPHANED);
              }
              requests.add(Optional.empty());
            },
            "task-requests");
    reader.setDaemon(true);
    reader.start();
    for (Optional<String> next; (next = requests.take()).isPresent(); ) {
      busy.set(true);
      if (gone.get()) {
        // the launcher died with this request on its way: nobody waits for the task
        Runtime.getRuntime().halt(TaskExitCodes.ORPHANED);
      }
      int code;
      try {
        code = run(TaskJvmProtocol.parseRequest(next.get()), out, err);
      } catch (IllegalArgumentException e) {
        err.println("task JVM: " + e.getMessage());
        code = TaskExitCodes.BAD_DEFINITION;
      }
      busy.set(false);
      // what the task left is garbage now: a full collection gives the heap back to the system
      // (the serial collector shrinks it), so the next task starts from a small resident set, and
      // the launcher retires a JVM that stays large (native memory a library keeps)
      System.gc();
      replies.println(TaskJvmProtocol.reply(code, ProcessUsage.rssBytes()));
    }
    System.exit(0);
  }

  private static int run(TaskJvmProtocol.Request r, PrintStream out, PrintStream err) {
    try {
      java.nio.file.Files.createDirectories(r.logFile().toAbsolutePath().getParent());
    } catch (IOException e) {
      // the log's opening below says what is wrong
    }
    try (PrintStream log =
        new PrintStream(
            new FileOutputStream(r.logFile().toFile(), true), true, StandardCharsets.UTF_8)) {
      // stage code and libraries that print to System.out or System.err write to this task's log
      System.setOut(log);
      System.setErr(log);
      try {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(r.env());
        return TaskMain.run(env, new String[0], log, UnitRunners::create, ProcessUsage.fromNow());
      } catch (RuntimeException | Error e) {
        e.printStackTrace(log);
        return TaskExitCodes.CRASHED;
      } finally {
        System.setOut(out);
        System.setErr(err);
      }
    } catch (IOException e) {
      err.println("task JVM: cannot write the log " + r.logFile() + ": " + e.getMessage());
      return TaskExitCodes.CRASHED;
    }
  }
}
