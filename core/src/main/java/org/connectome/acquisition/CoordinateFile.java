package org.connectome.acquisition;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.connectome.imaging.MultiSem.TileName;

/**
 * Reads a MultiSEM coordinate file ({@code full_image_coordinates.txt} or a per-mFoV {@code
 * image_coordinates.txt}): one tile per line, TAB-separated: windows relative path, x, y, z.
 * Tolerates what real files contain: CRLF or LF line ends, a byte-order mark, blank lines, trailing
 * whitespace, runs of spaces instead of a TAB. Lines that name no usable tile are returned as
 * {@link BadEntry}s with their line numbers rather than failing the section: lines that are not a
 * tile, whose coordinates are not finite numbers, whose path leaves the section folder or that name
 * another section's tile. The file is read with a time limit, and refused unopened when it is not a
 * regular file.
 */
public final class CoordinateFile {
  /**
   * The parsed lines.
   *
   * @param file the file read
   * @param tiles the usable lines
   * @param bad the lines that name no usable tile
   */
  public record Parsed(Path file, List<CoordinateLine> tiles, List<BadEntry> bad) {}

  private CoordinateFile() {}

  /**
   * Parses {@code file}; throws {@link AcquisitionException} naming it when it is missing or
   * unreadable.
   */
  public static Parsed read(Path file) throws AcquisitionException {
    return read(file, AcquisitionReads.DEFAULT_TIMEOUT);
  }

  /**
   * Parses {@code file}, read within {@code timeout}; a line whose path leaves the folder holding
   * the file, or (when that folder is a section folder) names another section's tile, is a {@link
   * BadEntry} of kind {@link BadEntry.Kind#OUTSIDE_SECTION}.
   */
  public static Parsed read(Path file, Duration timeout) throws AcquisitionException {
    try {
      String why = AcquisitionReads.notARegularFile(file);
      if (why != null) {
        throw new AcquisitionException(file, 0, why);
      }
      return AcquisitionReads.within(timeout, "reading " + file, () -> parse(file));
    } catch (NoSuchFileException e) {
      throw new AcquisitionException(file, 0, "no such file");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AcquisitionException(file, 0, "interrupted while reading it");
    } catch (IOException e) {
      throw new AcquisitionException(
          file,
          0,
          e instanceof AcquisitionReads.ReadTimeoutException
              ? e.getMessage()
              : "cannot read: " + e.getMessage());
    }
  }

  private static Parsed parse(Path file) throws IOException {
    List<CoordinateLine> tiles = new ArrayList<>();
    List<BadEntry> bad = new ArrayList<>();
    Path folder = file.toAbsolutePath().normalize().getParent();
    Matcher section = SectionFolder.NAME.matcher(folder.getFileName().toString());
    Integer sequence = section.matches() ? Integer.parseInt(section.group(1)) : null;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) { // readLine splits on LF, CR and CRLF alike
        n++;
        if (n == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
          line = line.substring(1);
        }
        String text = line.strip();
        if (text.isEmpty()) {
          continue;
        }
        String[] cols = text.split("\\t|\\s{2,}");
        if (cols.length < 4) {
          bad.add(
              new BadEntry(
                  n,
                  cut(text),
                  "expected 4 TAB-separated columns (path, x, y, z), found " + cols.length));
          continue;
        }
        String path = cols[0].strip();
        String fileName =
            path.substring(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
        var name = TileName.parse(fileName);
        if (name.isEmpty()) {
          bad.add(
              new BadEntry(
                  n,
                  cut(text),
                  "'" + fileName + "' is not a tile name (<NNN>_<mFoV>_<beam>_<timestamp>.bmp)"));
          continue;
        }
        Path target = folder.resolve(path.replace('\\', '/')).normalize();
        if (path.startsWith("/")
            || path.startsWith("\\")
            || path.matches("^[A-Za-z]:.*")
            || !target.startsWith(folder)) {
          bad.add(
              new BadEntry(
                  n,
                  cut(text),
                  "the path leaves the section folder " + folder.getFileName(),
                  BadEntry.Kind.OUTSIDE_SECTION));
          continue;
        }
        if (sequence != null && name.get().sectionIndex() != sequence) {
          bad.add(
              new BadEntry(
                  n,
                  cut(text),
                  String.format(
                      "'%s' is a tile of section %03d, not of %s",
                      fileName, name.get().sectionIndex(), folder.getFileName()),
                  BadEntry.Kind.OUTSIDE_SECTION));
          continue;
        }
        double x;
        double y;
        double z;
        try {
          x = Double.parseDouble(cols[1].strip());
          y = Double.parseDouble(cols[2].strip());
          z = Double.parseDouble(cols[3].strip());
        } catch (NumberFormatException e) {
          bad.add(new BadEntry(n, cut(text), "coordinates are not numbers"));
          continue;
        }
        if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(z)) {
          bad.add(
              new BadEntry(n, cut(text), "coordinates are not finite numbers (NaN or infinite)"));
          continue;
        }
        tiles.add(new CoordinateLine(n, path, x, y, z, name.get()));
      }
    }
    return new Parsed(file, tiles, bad);
  }

  private static String cut(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
