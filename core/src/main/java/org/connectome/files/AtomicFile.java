package org.connectome.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files written whole or not at all: a temporary file beside the target, its content (optionally)
 * forced to disk, then an atomic rename over the target. A reader sees the old file or the new one,
 * never a part; two writers of the same content both succeed.
 *
 * <p>The temporary file is created like any other file, so the result has the mode the process's
 * umask gives (0644 under umask 022); {@code Files.createTempFile} would make it 0600, unreadable
 * to the facility's other accounts and to a web server serving the volumes.
 *
 * <p>A file written while a unit runs on the thread is one of the unit's outputs ({@link
 * UnitOutputs}): its marker records its size and checksum.
 */
public final class AtomicFile {
  private AtomicFile() {}

  /** Writes {@code content} to {@code target}, forced to disk before the rename. */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, true);
  }

  /**
   * Writes {@code content} unless the file already holds exactly it (a file every unit of a step
   * writes alike, such as a volume's {@code info}); either way it counts as written by the unit
   * running on this thread.
   *
   * @return whether the file was written
   */
  public static boolean writeIfChanged(Path target, byte[] content) throws IOException {
    if (Files.isRegularFile(target)
        && Files.size(target) == content.length
        && Arrays.equals(Files.readAllBytes(target), content)) {
      UnitOutputs.record(target, content);
      return false;
    }
    write(target, content);
    return true;
  }

  /**
   * Writes {@code content} to {@code target}.
   *
   * @param fsync whether the content is forced to disk before the rename
   */
  public static void write(Path target, byte[] content, boolean fsync) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp =
        dir.resolve(
            "."
                + target.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        if (fsync) {
          ch.force(false);
        }
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      UnitOutputs.record(target, content);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
