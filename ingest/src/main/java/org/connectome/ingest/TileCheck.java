package org.connectome.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.connectome.acquisition.SectionFolder;
import org.connectome.imaging.Bmp;

/**
 * Validates one tile: present, not empty, a readable 8-bit image header, the section's tile size, not truncated;
 * and computes its CRC32C checksum while reading it once.
 */
public final class TileCheck {
  private static final int BUFFER = 1 << 20;

  private final String runId;
  private final SectionFolder section;
  private final int expectedWidth;
  private final int expectedHeight;
  private final boolean checksums;

  /**
   * @param expectedWidth  the section's tile width, or 0 to accept any
   * @param expectedHeight the section's tile height, or 0 to accept any
   * @param checksums      whether to read every byte for the checksum (otherwise only the header is read)
   */
  public TileCheck(String runId, SectionFolder section, int expectedWidth, int expectedHeight, boolean checksums) {
    this.runId = runId;
    this.section = section;
    this.expectedWidth = expectedWidth;
    this.expectedHeight = expectedHeight;
    this.checksums = checksums;
  }

  public TileRecord check(ResolvedTile t) throws BadTileException {
    Path file = section.dir().resolve(t.path());
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new BadTileException(t, BadTileReason.MISSING, "listed on line " + t.line() + " but not on disk");
    } catch (IOException e) {
      throw new BadTileException(t, BadTileReason.IO_ERROR, e.toString());
    }
    if (size == 0) {
      throw new BadTileException(t, BadTileReason.EMPTY, "the file is empty");
    }
    Bmp.Header h;
    try {
      h = Bmp.readHeader(file);
    } catch (IOException e) {
      throw new BadTileException(t, BadTileReason.UNREADABLE, e.getMessage());
    }
    if (h.bitsPerPixel() != 8 || h.compression() != 0) {
      throw new BadTileException(t, BadTileReason.UNREADABLE, h.bitsPerPixel() + "-bit image"
          + (h.compression() != 0 ? ", compressed" : "") + "; expected uncompressed 8-bit grayscale");
    }
    if (size < h.expectedFileSize()) {
      throw new BadTileException(t, BadTileReason.TRUNCATED, "file has " + size + " bytes, its header promises "
          + h.expectedFileSize());
    }
    if ((expectedWidth > 0 && h.width() != expectedWidth) || (expectedHeight > 0 && h.height() != expectedHeight)) {
      throw new BadTileException(t, BadTileReason.WRONG_SIZE, h.width() + "x" + h.height() + " px, the section's tiles are "
          + expectedWidth + "x" + expectedHeight);
    }
    String checksum = checksums ? crc32c(file, t) : "";
    Path thumb = file.resolveSibling("thumbnail_" + file.getFileName());
    return new TileRecord(runId, section.index(), section.section(), t.mfov(), t.beam(), file.toString(), t.timestamp(),
        t.x(), t.y(), t.z(), h.width(), h.height(), size, checksum, Files.exists(thumb) ? thumb.toString() : null);
  }

  private static String crc32c(Path file, ResolvedTile t) throws BadTileException {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[BUFFER];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        crc.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new BadTileException(t, BadTileReason.IO_ERROR, "reading for the checksum: " + e);
    }
    return String.format("%08x", crc.getValue());
  }
}
