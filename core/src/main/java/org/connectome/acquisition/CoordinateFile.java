package org.connectome.acquisition;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.connectome.imaging.MultiSem.TileName;

/**
 * Reads a MultiSEM coordinate file ({@code full_image_coordinates.txt} or a per-mFoV {@code
 * image_coordinates.txt}): one tile per line, TAB-separated: windows relative path, x, y, z.
 * Tolerates what real files contain: CRLF or LF line ends, a byte-order mark, blank lines, trailing
 * whitespace, runs of spaces instead of a TAB. Lines that name no usable tile are returned as
 * {@link BadEntry}s with their line numbers rather than failing the section.
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
    List<CoordinateLine> tiles = new ArrayList<>();
    List<BadEntry> bad = new ArrayList<>();
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
        try {
          tiles.add(
              new CoordinateLine(
                  n,
                  path,
                  Double.parseDouble(cols[1].strip()),
                  Double.parseDouble(cols[2].strip()),
                  Double.parseDouble(cols[3].strip()),
                  name.get()));
        } catch (NumberFormatException e) {
          bad.add(new BadEntry(n, cut(text), "coordinates are not numbers"));
        }
      }
    } catch (NoSuchFileException e) {
      throw new AcquisitionException(file, 0, "no such file");
    } catch (IOException e) {
      throw new AcquisitionException(file, 0, "cannot read: " + e.getMessage());
    }
    return new Parsed(file, tiles, bad);
  }

  private static String cut(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
