package org.connectome.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * CRC32C checksums as the platform writes them (eight lower-case hex digits), the same the ingest
 * computes for tiles. The JDK computes CRC32C with the processor's instruction, several GB/s.
 */
public final class Crc32c {
  private static final ThreadLocal<ByteBuffer> BUFFERS =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 20));

  private Crc32c() {}

  public static String of(byte[] content) {
    CRC32C crc = new CRC32C();
    crc.update(content);
    return hex(crc.getValue());
  }

  /** The checksum of a file's content, read once. */
  public static String of(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    ByteBuffer buf = BUFFERS.get();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      buf.clear();
      while (ch.read(buf) > 0) {
        buf.flip();
        crc.update(buf);
        buf.clear();
      }
    }
    return hex(crc.getValue());
  }

  private static String hex(long v) {
    return String.format("%08x", v);
  }
}
