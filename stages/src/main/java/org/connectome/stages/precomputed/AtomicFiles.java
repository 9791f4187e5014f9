package org.connectome.stages.precomputed;

import java.io.IOException;
import java.nio.file.Path;
import org.connectome.files.AtomicFile;

/**
 * Files written whole or not at all, forced to disk ({@link AtomicFile}): a reader (another unit,
 * Neuroglancer) sees the old file or the new one, never a part; two writers of the same content
 * both succeed. Each file counts as an output of the unit being run.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    AtomicFile.write(target, content);
  }

  /**
   * Writes {@code content} unless the file already holds exactly it.
   *
   * @return whether the file was written
   */
  public static boolean writeIfChanged(Path target, byte[] content) throws IOException {
    return AtomicFile.writeIfChanged(target, content);
  }
}
