package org.connectome.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.connectome.imaging.Bmp;

/**
 * Writes a section folder in the MultiSEM layout for tests, with faults on request: what a real
 * acquisition contains (CRLF lines, backslash paths, thumbnails, extra files, re-imaged tiles,
 * missing, truncated and corrupt tiles).
 */
final class SectionFixture {
  final Path section;
  final int sequence;
  int width = 64;
  int height = 48;
  private final List<String> lines = new ArrayList<>();
  private int clock;

  SectionFixture(Path acquisition, int sequence) throws IOException {
    this.sequence = sequence;
    this.section = acquisition.resolve(String.format("%03d_S%dR1", sequence, sequence));
    Files.createDirectories(section);
    Files.writeString(
        section.resolve("metadata.txt"),
        "Pixel size\t4 nm\r\nStage z\t"
            + sequence
            + "\r\n"
            + "Tile width\t"
            + width
            + "\r\nTile height\t"
            + height
            + "\r\n",
        StandardCharsets.US_ASCII);
  }

  String timestamp() {
    clock++;
    return String.format("2021-05-25T21%02d%02d%07d", (sequence % 60), (clock / 100) % 60, clock);
  }

  String name(int mfov, int beam, String timestamp) {
    return String.format("%03d_%06d_%03d_%s.bmp", sequence, mfov, beam, timestamp);
  }

  /** A good tile listed in the coordinate file; returns its file. */
  Path tile(int mfov, int beam) throws IOException {
    return tile(mfov, beam, timestamp(), width, height);
  }

  Path tile(int mfov, int beam, String timestamp, int w, int h) throws IOException {
    Path dir = section.resolve(String.format("%06d", mfov));
    Files.createDirectories(dir);
    String name = name(mfov, beam, timestamp);
    byte[] px = new byte[w * h];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 7 + beam * 13 + mfov);
    }
    Bmp.write8(dir.resolve(name), w, h, px);
    Bmp.write8(
        dir.resolve("thumbnail_" + name),
        Math.max(1, w / 8),
        Math.max(1, h / 8),
        new byte[Math.max(1, w / 8) * Math.max(1, h / 8)]);
    list(String.format("%06d", mfov) + "\\" + name, mfov * 1000.5 + beam, -beam * 2.25);
    return dir.resolve(name);
  }

  void list(String windowsPath, double x, double y) {
    lines.add(windowsPath + "\t" + x + "\t" + y + "\t0");
  }

  /** Listed, never written. */
  void missing(int mfov, int beam) {
    list(String.format("%06d", mfov) + "\\" + name(mfov, beam, timestamp()), 1, 1);
  }

  /** Written, then cut short. */
  void truncated(int mfov, int beam) throws IOException {
    Path f = tile(mfov, beam);
    byte[] all = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
  }

  /** Written with a broken header. */
  void corrupt(int mfov, int beam) throws IOException {
    Path f = tile(mfov, beam);
    byte[] all = Files.readAllBytes(f);
    all[0] = 'X';
    all[1] = 'Y';
    Files.write(f, all);
  }

  /** The same mFoV and beam acquired twice; the newer file is returned. */
  Path reimaged(int mfov, int beam) throws IOException {
    tile(mfov, beam);
    return tile(mfov, beam);
  }

  /** Writes the coordinate file: CRLF, backslashes, a blank line and a line that names no tile. */
  void writeCoordinates(boolean withBadLine) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l).append("\r\n");
    }
    b.append("\r\n");
    if (withBadLine) {
      b.append("000001\\notes.txt\t1\t2\t0\r\n");
    }
    Files.writeString(
        section.resolve("full_image_coordinates.txt"), b.toString(), StandardCharsets.US_ASCII);
    Files.writeString(section.resolve("desktop.ini"), "[extra file]\r\n");
  }
}
