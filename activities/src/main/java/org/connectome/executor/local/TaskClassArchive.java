package org.connectome.executor.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A class-data sharing archive of the task JVMs' classes: a task JVM spends most of a small task
 * loading and verifying the same classes (0.6 s of CPU for a task with nothing to do, 0.36 s with
 * the archive, on this project's 2-core machine). The first task of a class path dumps the classes
 * it loaded ({@code -XX:ArchiveClassesAtExit}, one task at a time); once it exits 0 its archive is
 * moved into place and every later task maps it ({@code -XX:SharedArchiveFile}). The archive is
 * named after the JDK and every class path jar's path, size and modification time, so a rebuilt jar
 * or another JDK gets a new one. Only class paths of jar files take part (the JVM does not archive
 * classes from folders); {@code CX_TASK_CDS=off} turns it off.
 */
final class TaskClassArchive {
  private final Path archive;
  private final AtomicBoolean dumping = new AtomicBoolean();

  private TaskClassArchive(Path archive) {
    this.archive = archive;
  }

  /** The archive of {@code classPath} in the tools cache, or one that does nothing. */
  static TaskClassArchive of(String classPath, Map<String, String> env) {
    if ("off".equals(env.get("CX_TASK_CDS"))) {
      return new TaskClassArchive(null);
    }
    String home =
        env.getOrDefault(
            "CX_TOOLS_HOME",
            Path.of(System.getProperty("user.home"), ".cache", "connectome").toString());
    try {
      String key = key(classPath);
      return new TaskClassArchive(
          key == null ? null : Path.of(home, "cds", "tasks-" + key + ".jsa"));
    } catch (IOException e) {
      return new TaskClassArchive(null);
    }
  }

  /** The hash of the JDK and the class path's jars, or null when an entry is not a jar file. */
  private static String key(String classPath) throws IOException {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    d.update(System.getProperty("java.home").getBytes(StandardCharsets.UTF_8));
    d.update(System.getProperty("java.vm.version").getBytes(StandardCharsets.UTF_8));
    List<String> entries = List.of(classPath.split(File.pathSeparator));
    for (String e : entries) {
      Path p = Path.of(e);
      if (!e.endsWith(".jar") || !Files.isRegularFile(p)) {
        return null;
      }
      d.update(
          (p.toAbsolutePath() + "|" + Files.size(p) + "|" + Files.getLastModifiedTime(p).toMillis())
              .getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(d.digest()).substring(0, 16);
  }

  /** What one task attempt does with the archive. */
  record Use(List<String> options, Path dump) {}

  /** The JVM options of the next task: map the archive, or dump one, or neither. */
  Use next() {
    if (archive == null) {
      return new Use(List.of(), null);
    }
    if (Files.isRegularFile(archive)) {
      return new Use(List.of("-XX:SharedArchiveFile=" + archive), null);
    }
    if (!dumping.compareAndSet(false, true)) {
      return new Use(List.of(), null);
    }
    try {
      Files.createDirectories(archive.getParent());
      Path dump = Files.createTempFile(archive.getParent(), "dump-", ".jsa");
      // the JVM writes the archive itself and refuses an existing file on some versions
      Files.delete(dump);
      // the dump warns about every class it leaves out (old class files, generated accessors):
      // not a task's business, and it would crowd a failed task's log tail
      return new Use(List.of("-XX:ArchiveClassesAtExit=" + dump, "-Xlog:cds=off"), dump);
    } catch (IOException e) {
      dumping.set(false);
      return new Use(List.of(), null);
    }
  }

  /** A task ended: the archive it dumped, if it exited 0, becomes the one every task maps. */
  void ended(Use use, int exitCode) {
    if (use.dump() == null) {
      return;
    }
    try {
      if (exitCode == 0 && Files.isRegularFile(use.dump())) {
        Files.move(use.dump(), archive, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.deleteIfExists(use.dump());
      }
    } catch (IOException e) {
      // another worker placed it first, or the cache is not writable: tasks run without it
    } finally {
      dumping.set(false);
    }
  }
}
