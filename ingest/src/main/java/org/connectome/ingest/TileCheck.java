package org.connectome.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.zip.CRC32C;
import org.connectome.acquisition.AcquisitionReads;
import org.connectome.acquisition.SectionFolder;
import org.connectome.imaging.Bmp;

/**
 * Validates one tile: present, not empty, a readable 8-bit image header, the section's tile size,
 * not truncated; and computes its CRC32C checksum while reading it once.
 */
public final class TileCheck {
  private static final int BUFFER = 1 << 20;

  /**
   * One direct buffer per thread: reads land outside the heap and the checksum runs on them in
   * place.
   */
  private static final ThreadLocal<ByteBuffer> BUFFERS =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

  private final String runId;
  private final SectionFolder section;
  private final int expectedWidth;
  private final int expectedHeight;
  private final boolean checksums;
  private final Duration readTimeout;

  /**
   * @param expectedWidth the section's tile width, or 0 to accept any
   * @param expectedHeight the section's tile height, or 0 to accept any
   * @param checksums whether to read every byte for the checksum (otherwise only the header is
   *     read)
   */
  public TileCheck(
      String runId,
      SectionFolder section,
      int expectedWidth,
      int expectedHeight,
      boolean checksums) {
    this(
        runId, section, expectedWidth, expectedHeight, checksums, AcquisitionReads.DEFAULT_TIMEOUT);
  }

  /**
   * @param readTimeout longest a tile's read may take; longer, the storage is taken to be hung and
   *     the section fails (retryable), rather than the tile being quarantined
   */
  public TileCheck(
      String runId,
      SectionFolder section,
      int expectedWidth,
      int expectedHeight,
      boolean checksums,
      Duration readTimeout) {
    this.readTimeout = readTimeout;
    this.runId = runId;
    this.section = section;
    this.expectedWidth = expectedWidth;
    this.expectedHeight = expectedHeight;
    this.checksums = checksums;
  }

  public TileRecord check(ResolvedTile t) throws BadTileException {
    Path file = section.dir().resolve(t.path());
    try {
      String why = AcquisitionReads.notARegularFile(file);
      if (why != null) {
        throw new BadTileException(t, BadTileReason.NOT_A_FILE, why);
      }
      return AcquisitionReads.within(readTimeout, "reading tile " + file, () -> read(t, file));
    } catch (NoSuchFileException e) {
      throw new BadTileException(
          t, BadTileReason.MISSING, "listed on line " + t.line() + " but not on disk");
    } catch (AcquisitionReads.ReadTimeoutException e) {
      // the storage, not the tile: fail the section (retryable) instead of quarantining tile after
      // tile
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + file, e);
    } catch (IOException e) {
      if (e.getCause() instanceof BadTileException b) {
        throw b; // what the read found wrong with the tile
      }
      throw new BadTileException(t, BadTileReason.IO_ERROR, e.toString());
    }
  }

  private TileRecord read(ResolvedTile t, Path file) throws BadTileException {
    // one open and one pass: the header is parsed from the first block read, which also feeds the
    // checksum
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size == 0) {
        throw new BadTileException(t, BadTileReason.EMPTY, "the file is empty");
      }
      ByteBuffer buf = BUFFERS.get();
      buf.clear();
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // fill the first block (or the whole file when smaller)
      }
      buf.flip();
      byte[] head = new byte[Math.min(buf.limit(), Bmp.HEADERS_SIZE)];
      buf.get(0, head);
      Bmp.Header h;
      try {
        h = Bmp.readHeader(head, file.toString());
      } catch (IOException e) {
        throw new BadTileException(t, BadTileReason.UNREADABLE, e.getMessage());
      }
      if (h.bitsPerPixel() != 8 || h.compression() != 0) {
        throw new BadTileException(
            t,
            BadTileReason.UNREADABLE,
            h.bitsPerPixel()
                + "-bit image"
                + (h.compression() != 0 ? ", compressed" : "")
                + "; expected uncompressed 8-bit grayscale");
      }
      if (size < h.expectedFileSize()) {
        throw new BadTileException(
            t,
            BadTileReason.TRUNCATED,
            "file has " + size + " bytes, its header promises " + h.expectedFileSize());
      }
      if ((expectedWidth > 0 && h.width() != expectedWidth)
          || (expectedHeight > 0 && h.height() != expectedHeight)) {
        throw new BadTileException(
            t,
            BadTileReason.WRONG_SIZE,
            h.width()
                + "x"
                + h.height()
                + " px, the section's tiles are "
                + expectedWidth
                + "x"
                + expectedHeight);
      }
      String checksum = "";
      if (checksums) {
        CRC32C crc = new CRC32C();
        crc.update(buf);
        buf.clear();
        while (ch.read(buf) > 0) {
          buf.flip();
          crc.update(buf);
          buf.clear();
        }
        checksum = String.format("%08x", crc.getValue());
      }
      Path thumb = file.resolveSibling("thumbnail_" + file.getFileName());
      return new TileRecord(
          runId,
          section.index(),
          section.section(),
          t.mfov(),
          t.beam(),
          file.toString(),
          t.timestamp(),
          t.x(),
          t.y(),
          t.z(),
          h.width(),
          h.height(),
          size,
          checksum,
          Files.exists(thumb) ? thumb.toString() : null);
    } catch (NoSuchFileException e) {
      throw new BadTileException(
          t, BadTileReason.MISSING, "listed on line " + t.line() + " but not on disk");
    } catch (ClosedByInterruptException e) {
      throw new IllegalStateException("interrupted while reading " + file, e);
    } catch (IOException e) {
      throw new BadTileException(t, BadTileReason.IO_ERROR, e.toString());
    }
  }
}
