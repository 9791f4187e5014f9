package org.connectome.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.connectome.acquisition.AcquisitionException;
import org.connectome.acquisition.CoordinateFile;
import org.connectome.acquisition.SectionFolder;
import org.connectome.acquisition.TileResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinateFileTest {
  @TempDir Path dir;

  @Test
  void parsesCrlfBackslashesAndReportsBadLinesByNumber() throws Exception {
    Path f = dir.resolve("full_image_coordinates.txt");
    Files.writeString(
        f,
        "\uFEFF000007\\008_000007_055_2021-05-25T2146499297643.bmp\t-372876.505\t-123997.579\t0\r\n"
            + "\r\n"
            + "000007\\008_000007_056_2021-05-25T2146509297643.bmp  -372000.5  -123000.25  0\r\n"
            + "000007\\008_000007_057_2021-05-25T2146519297643.bmp\tabc\t1\t0\r\n"
            + "000007\\readme.txt\t1\t2\t0\n"
            + "just one column\n",
        StandardCharsets.UTF_8);
    CoordinateFile.Parsed p = CoordinateFile.read(f);
    assertEquals(2, p.tiles().size());
    assertEquals(55, p.tiles().get(0).name().beam());
    assertEquals(7, p.tiles().get(0).name().mfov());
    assertEquals(-372876.505, p.tiles().get(0).x());
    assertEquals(
        "000007/008_000007_055_2021-05-25T2146499297643.bmp", p.tiles().get(0).relativePath());
    assertEquals(List.of(4, 5, 6), p.bad().stream().map(b -> b.line()).toList());
    assertTrue(p.bad().get(0).reason().contains("not numbers"));
    assertTrue(p.bad().get(1).reason().contains("not a tile name"));
    assertTrue(p.bad().get(2).reason().contains("expected 4"));
  }

  @Test
  void missingFileIsAClearError() {
    AcquisitionException e =
        assertThrows(
            AcquisitionException.class, () -> CoordinateFile.read(dir.resolve("nope.txt")));
    assertTrue(e.getMessage().contains("nope.txt: no such file"), e.getMessage());
  }

  @Test
  void reimagedTilesResolveToTheNewestTimestamp() throws Exception {
    SectionFixture s = new SectionFixture(dir, 1);
    s.tile(1, 1);
    Path newer = s.reimaged(1, 2);
    s.tile(2, 1);
    s.writeCoordinates(false);
    var parsed = CoordinateFile.read(s.section.resolve("full_image_coordinates.txt"));
    var resolved = TileResolver.resolve(parsed.tiles());
    assertEquals(3, resolved.tiles().size());
    assertEquals(1, resolved.superseded().size());
    assertTrue(resolved.tiles().get(1).relativePath().endsWith(newer.getFileName().toString()));
  }

  @Test
  void sectionFoldersAreListedInAcquisitionOrderIgnoringOtherFiles() throws Exception {
    new SectionFixture(dir, 10);
    new SectionFixture(dir, 2);
    Files.createDirectories(dir.resolve("overview"));
    Files.writeString(dir.resolve("notes.txt"), "x");
    List<SectionFolder> sections = SectionFolder.list(dir);
    assertEquals(List.of(2, 10), sections.stream().map(SectionFolder::section).toList());
    assertEquals(List.of(0, 1), sections.stream().map(SectionFolder::index).toList());
  }
}
