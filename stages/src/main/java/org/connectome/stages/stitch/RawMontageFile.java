package org.connectome.stages.stitch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code montage.raw} written block by block: each block's rows go to their place in a temporary
 * file beside the target (uint8, row-major, x fastest, offsets as longs), which is forced to disk
 * and renamed over the target when complete, as {@link org.connectome.files.AtomicFile} does for
 * files written whole. A reader sees no montage or the whole one.
 */
final class RawMontageFile implements MontageRenderer.BlockSink, AutoCloseable {
  private final Path target;
  private final Path tmp;
  private final FileChannel ch;
  private final int width;
  private boolean committed;

  RawMontageFile(Path target, int width) throws IOException {
    this.target = target;
    this.width = width;
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    this.tmp =
        dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(tmp);
    this.ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  @Override
  public void block(int x0, int y0, int w, int h, byte[] pixels) throws IOException {
    for (int r = 0; r < h; r++) {
      ByteBuffer b = ByteBuffer.wrap(pixels, r * w, w);
      long pos = (long) (y0 + r) * width + x0;
      while (b.hasRemaining()) {
        pos += ch.write(b, pos);
      }
    }
  }

  /** Forces the file to disk and renames it over the target. */
  void commit() throws IOException {
    ch.force(false);
    ch.close();
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    committed = true;
  }

  @Override
  public void close() throws IOException {
    if (!committed) {
      ch.close();
      Files.deleteIfExists(tmp);
    }
  }
}
