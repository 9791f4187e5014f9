package org.connectome.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files one unit wrote, for its completion marker. The task binds a collector to the thread
 * that runs the unit ({@link #bind}); every {@link AtomicFile} write on that thread records itself
 * here, with the checksum of the bytes it wrote, so stage code that writes through it declares its
 * outputs without a line of its own. Code that writes otherwise (a Spring Batch job, an external
 * program) declares its files with {@link #add(Path)}. A file written twice counts once, as last
 * written.
 */
public final class UnitOutputs {
  private static final ThreadLocal<UnitOutputs> CURRENT = new ThreadLocal<>();

  /** Path to checksum, or to null when the file's content is to be read for it. */
  private final Map<Path, String> files = new LinkedHashMap<>();

  /** Records that the unit wrote {@code file}; its checksum is read when the unit ends. */
  public synchronized UnitOutputs add(Path file) {
    files.put(file.toAbsolutePath().normalize(), null);
    return this;
  }

  synchronized void written(Path file, byte[] content) {
    files.put(file.toAbsolutePath().normalize(), Crc32c.of(content));
  }

  /** Records {@code file} with the collector bound to this thread, if any. */
  static void record(Path file, byte[] content) {
    UnitOutputs current = CURRENT.get();
    if (current != null) {
      current.written(file, content);
    }
  }

  /** Binds this collector to the calling thread until the returned scope is closed. */
  public Scope bind() {
    UnitOutputs previous = CURRENT.get();
    CURRENT.set(this);
    return () -> CURRENT.set(previous);
  }

  /** The binding of a collector to a thread. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * The recorded files as a marker lists them: paths relative to {@code runDir}, sizes as they are
   * now, checksums of what was written (or read now for files declared with {@link #add}).
   *
   * @throws NoSuchFileException when a recorded file is gone before the unit's marker is written:
   *     the unit did not leave its outputs, so it is not done
   */
  public synchronized List<OutputFile> files(Path runDir) throws IOException {
    Path base = runDir.toAbsolutePath().normalize();
    List<OutputFile> out = new ArrayList<>();
    for (Map.Entry<Path, String> e : files.entrySet()) {
      Path p = e.getKey();
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchFileException(p.toString(), null, "an output of the unit is gone");
      }
      String crc = e.getValue() != null ? e.getValue() : Crc32c.of(p);
      String rel =
          p.startsWith(base) ? base.relativize(p).toString().replace('\\', '/') : p.toString();
      out.add(new OutputFile(rel, Files.size(p), crc));
    }
    return out;
  }

  public synchronized int size() {
    return files.size();
  }
}
