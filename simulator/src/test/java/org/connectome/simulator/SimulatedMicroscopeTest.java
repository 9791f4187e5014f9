package org.connectome.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.BmpException;
import org.connectome.imaging.HexBeams;
import org.connectome.imaging.Image8;
import org.connectome.imaging.MultiSem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedMicroscopeTest {
  @TempDir static Path tmp;

  /** Smoke with every kind of fault, over 4 sections so that some are clean. */
  static SimulationParams faulty;

  static SimulationResult faultyRun;
  static GroundTruth faultyTruth;

  @BeforeAll
  static void generateFaultyAcquisition() throws IOException {
    SimulationParams.Faults f =
        SimulationParams.Faults.NONE
            .with("missing=2")
            .with("truncated=1")
            .with("corrupt=3")
            .with("reimaged=2")
            .with("extra=5")
            .with("no-full-coordinates=1")
            .with("thumbnails-only=1");
    faulty = SimulationParams.preset("smoke").toBuilder().sections(4).faults(f).build();
    faultyRun = SimulatedMicroscope.generate(tmp.resolve("faulty"), faulty, 2);
    faultyTruth = GroundTruth.load(faultyRun.groundTruth());
  }

  // ------------------------------------------------------------------ layout

  private static final Pattern COORD_LINE =
      Pattern.compile(
          "([0-9]{6})\\\\(\\S+\\.bmp)\\t(-?[0-9]+\\.[0-9]{3})\\t" + "(-?[0-9]+\\.[0-9]{3})\\t0");

  @Test
  void layoutIsExactlyWhatTheMicroscopeWrites() throws IOException {
    Path acq = faultyRun.acquisition();
    assertEquals("smoke_20210525_21-46-49", acq.getFileName().toString());
    assertTrue(MultiSem.WORKFLOW_FOLDER.matcher(acq.getFileName().toString()).matches());
    Map<String, GroundTruth.FaultTruth> faultsByFile =
        faultyTruth.faults().stream()
            .collect(Collectors.toMap(GroundTruth.FaultTruth::file, x -> x));
    Set<String> accounted = new HashSet<>();

    List<String> sectionFolders = list(acq);
    assertEquals(List.of("001_S1R1", "002_S2R1", "003_S3R1", "004_S4R1"), sectionFolders);
    int listedTotal = 0;
    for (String folder : sectionFolders) {
      Matcher sm = MultiSem.SECTION_FOLDER.matcher(folder);
      assertTrue(sm.matches(), folder);
      int section = Integer.parseInt(sm.group(2));
      assertEquals(section, Integer.parseInt(sm.group(1)));
      Path dir = acq.resolve(folder);
      GroundTruth.SectionTruth truth = faultyTruth.sectionRows().get(section - 1);

      String metadata = crlfText(dir.resolve(MultiSem.METADATA));
      assertTrue(metadata.contains("Pixel size\t8.000nm\r\n"), metadata);
      assertTrue(metadata.contains("Number of beams\t7\r\n"), metadata);
      assertTrue(metadata.contains("Section\t" + section + "\r\n"), metadata);
      for (String line : metadata.split("\r\n")) {
        assertEquals(2, line.split("\t").length, "metadata line '" + line + "'");
      }
      accounted.add(folder + "/" + MultiSem.METADATA);

      Path full = dir.resolve(MultiSem.FULL_IMAGE_COORDINATES);
      assertEquals(truth.fullImageCoordinates(), Files.exists(full), folder);
      List<String[]> entries = new ArrayList<>(); // mfov folder, file, x, y
      if (Files.exists(full)) {
        for (String line : crlfText(full).split("\r\n")) {
          Matcher m = COORD_LINE.matcher(line);
          assertTrue(m.matches(), "coordinate line '" + line + "'");
          entries.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
        }
        accounted.add(folder + "/" + MultiSem.FULL_IMAGE_COORDINATES);
      }
      // per-mFoV coordinate files: same columns, names relative to the mFoV folder
      List<String[]> fromMfovs = new ArrayList<>();
      List<String> mfovFolders =
          list(dir).stream().filter(n -> MultiSem.MFOV_FOLDER.matcher(n).matches()).toList();
      assertEquals(faulty.mfovs(), mfovFolders.size());
      for (String mf : mfovFolders) {
        Path mfovCoordinates = dir.resolve(mf).resolve(MultiSem.IMAGE_COORDINATES);
        assertEquals(
            !truth.thumbnailsOnly(), Files.exists(mfovCoordinates), mfovCoordinates.toString());
        if (truth.thumbnailsOnly()) {
          continue;
        }
        for (String line : crlfText(mfovCoordinates).split("\r\n")) {
          Matcher m = COORD_LINE.matcher(mf + "\\" + line);
          assertTrue(m.matches(), "mFoV coordinate line '" + line + "'");
          fromMfovs.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
        }
        accounted.add(folder + "/" + mf + "/" + MultiSem.IMAGE_COORDINATES);
      }
      // thumbnails coordinate file: same tiles, coordinates divided by the scale
      List<String> thumbLines =
          List.of(crlfText(dir.resolve(MultiSem.FULL_THUMBNAIL_COORDINATES)).split("\r\n"));
      accounted.add(folder + "/" + MultiSem.FULL_THUMBNAIL_COORDINATES);
      if (truth.thumbnailsOnly()) {
        assertFalse(Files.exists(full));
        for (String line : thumbLines) { // the only listing: tiles are known by their thumbnails
          Matcher m = COORD_LINE.matcher(line);
          assertTrue(m.matches(), line);
          entries.add(
              new String[] {
                m.group(1),
                m.group(2).substring(MultiSem.THUMBNAIL_PREFIX.length()),
                SimulatedMicroscope.coord(8 * Double.parseDouble(m.group(3))),
                m.group(4)
              });
        }
      } else if (entries.isEmpty()) {
        entries = fromMfovs;
      } else {
        assertEquals(faulty.mfovs(), fromMfovs.stream().map(e -> e[0]).distinct().count());
        assertEquals(
            keys(entries), keys(fromMfovs), "mFoV files list the same tiles and coordinates");
      }
      int reimaged =
          (int)
              faultyTruth.faults().stream()
                  .filter(x -> x.section() == section && x.kind().equals("reimaged"))
                  .count();
      assertEquals(faulty.mfovs() * faulty.beams() + reimaged, entries.size());
      listedTotal += entries.size();

      assertEquals(entries.size(), thumbLines.size());

      String previousStamp = "";
      for (int i = 0; i < entries.size(); i++) {
        String[] e = entries.get(i);
        MultiSem.TileName name =
            MultiSem.TileName.parse(e[1]).orElseThrow(() -> new AssertionError(e[1]));
        assertFalse(name.thumbnail());
        assertEquals(section, name.sectionIndex());
        assertEquals(Integer.parseInt(e[0]), name.mfov());
        assertTrue(name.beam() >= 1 && name.beam() <= faulty.beams());
        if (truth.fullImageCoordinates()) {
          assertTrue(name.timestamp().compareTo(previousStamp) > 0, "timestamps increase: " + e[1]);
        }
        previousStamp = name.timestamp();
        Matcher tm = COORD_LINE.matcher(thumbLines.get(i));
        assertTrue(tm.matches(), thumbLines.get(i));
        assertEquals(MultiSem.THUMBNAIL_PREFIX + e[1], tm.group(2));
        assertEquals(Double.parseDouble(e[2]) / 8, Double.parseDouble(tm.group(3)), 0.001);

        String rel = folder + "/" + e[0] + "/" + e[1];
        Path tile = acq.resolve(rel);
        Path thumb = tile.resolveSibling(MultiSem.THUMBNAIL_PREFIX + e[1]);
        Bmp.Header th = Bmp.check8(thumb);
        assertEquals(128 / 8, th.width());
        assertEquals(112 / 8, th.height());
        accounted.add(folder + "/" + e[0] + "/" + MultiSem.THUMBNAIL_PREFIX + e[1]);
        GroundTruth.FaultTruth fault = faultsByFile.get(rel);
        String kind =
            truth.thumbnailsOnly() ? "thumbnails-only" : fault == null ? "ok" : fault.kind();
        switch (kind) {
          case "missing", "thumbnails-only" -> assertFalse(Files.exists(tile), rel);
          case "truncated", "corrupt" -> {
            assertTrue(Files.exists(tile), rel);
            assertThrows(BmpException.class, () -> Bmp.read8(tile), rel);
            accounted.add(rel);
          }
          default -> {
            Bmp.Header h = Bmp.check8(tile);
            assertEquals(128, h.width());
            assertEquals(112, h.height());
            assertEquals(Bmp.fileSize8(128, 112), Files.size(tile));
            accounted.add(rel);
          }
        }
      }
    }
    assertEquals(faultyRun.tilesListed(), listedTotal);
    // nothing on disk but what is listed, the section files and the injected extra files
    for (GroundTruth.FaultTruth f : faultyTruth.faults()) {
      if (f.kind().equals("extra")) {
        assertTrue(Files.isRegularFile(acq.resolve(f.file())), f.file());
        accounted.add(f.file());
      }
    }
    try (Stream<Path> files = Files.walk(acq)) {
      List<String> unaccounted =
          files
              .filter(Files::isRegularFile)
              .map(x -> acq.relativize(x).toString().replace('\\', '/'))
              .filter(x -> !accounted.contains(x))
              .sorted()
              .toList();
      assertEquals(List.of(), unaccounted);
    }
  }

  private static Set<String> keys(List<String[]> entries) {
    return entries.stream().map(e -> String.join("|", e)).collect(Collectors.toSet());
  }

  /** The file's text, after checking that every line ends with CRLF and no bare LF or CR occurs. */
  private static String crlfText(Path f) throws IOException {
    String text = Files.readString(f, StandardCharsets.US_ASCII);
    assertTrue(text.endsWith("\r\n"), f + " ends with CRLF");
    assertEquals(
        text.split("\n", -1).length, text.split("\r\n", -1).length, f + ": only CRLF line ends");
    return text;
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  // ------------------------------------------------------------------ faults

  @Test
  void faultsTsvMatchesWhatIsOnDisk() throws IOException {
    Path acq = faultyRun.acquisition();
    Map<String, Long> kinds =
        faultyTruth.faults().stream()
            .collect(
                Collectors.groupingBy(
                    GroundTruth.FaultTruth::kind, TreeMap::new, Collectors.counting()));
    assertEquals(
        Map.of(
            "missing",
            2L,
            "truncated",
            1L,
            "corrupt",
            3L,
            "reimaged",
            2L,
            "extra",
            5L,
            "no-full-coordinates",
            1L,
            "thumbnails-only",
            1L),
        kinds);
    assertEquals(faultyRun.faults(), faultyTruth.faults().size());
    Map<String, GroundTruth.TileTruth> tiles = new HashMap<>();
    faultyTruth.tiles().forEach(t -> tiles.put(t.file(), t));
    Set<BmpException.Kind> corruptions = new HashSet<>();
    for (GroundTruth.FaultTruth f : faultyTruth.faults()) {
      Path p = acq.resolve(f.file());
      switch (f.kind()) {
        case "missing" -> {
          assertFalse(Files.exists(p), f.file());
          assertTrue(Files.exists(p.resolveSibling(MultiSem.THUMBNAIL_PREFIX + p.getFileName())));
          assertEquals("missing", tiles.get(f.file()).status());
          assertTrue(listed(acq, f.section(), f.file()), "a missing tile is still listed");
        }
        case "truncated" -> {
          long full = Bmp.fileSize8(128, 112);
          assertTrue(Files.size(p) < full && Files.size(p) > Bmp.PIXEL_DATA_OFFSET_8, f.file());
          BmpException e = assertThrows(BmpException.class, () -> Bmp.read8(p));
          assertEquals(BmpException.Kind.TRUNCATED, e.kind());
          assertTrue(
              e.getMessage().endsWith("expected " + full + " bytes, found " + Files.size(p)),
              e.getMessage());
          assertTrue(f.detail().contains(Files.size(p) + " of " + full), f.detail());
        }
        case "corrupt" ->
            corruptions.add(assertThrows(BmpException.class, () -> Bmp.read8(p)).kind());
        case "reimaged" -> {
          GroundTruth.TileTruth older = tiles.get(f.file());
          assertEquals("superseded", older.status());
          GroundTruth.TileTruth newer =
              faultyTruth.tiles().stream()
                  .filter(
                      t ->
                          t.section() == older.section()
                              && t.mfov() == older.mfov()
                              && t.beam() == older.beam()
                              && t.status().equals("reimaged"))
                  .findFirst()
                  .orElseThrow();
          assertTrue(
              f.detail().contains(Path.of(newer.file()).getFileName().toString()), f.detail());
          assertTrue(newer.time().compareTo(older.time()) > 0, "the newer has a later timestamp");
          assertTrue(Files.exists(p));
          assertTrue(Files.exists(acq.resolve(newer.file())));
          assertTrue(listed(acq, f.section(), older.file()));
          assertTrue(listed(acq, f.section(), newer.file()));
          assertTrue(older.noise() > newer.noise(), "the older one is worse");
          Bmp.read8(p); // both are readable
          Bmp.read8(acq.resolve(newer.file()));
        }
        case "extra" -> {
          assertTrue(Files.isRegularFile(p), f.file());
          assertTrue(
              MultiSem.TileName.parse(p.getFileName().toString()).isEmpty(), "not a tile name");
        }
        case "no-full-coordinates" -> {
          assertFalse(Files.exists(p));
          assertTrue(Files.exists(p.resolveSibling("000001").resolve(MultiSem.IMAGE_COORDINATES)));
        }
        case "thumbnails-only" -> {
          assertFalse(Files.exists(p.resolve(MultiSem.FULL_IMAGE_COORDINATES)));
          assertFalse(Files.exists(p.resolve("000001").resolve(MultiSem.IMAGE_COORDINATES)));
          try (Stream<Path> s = Files.walk(p)) {
            List<String> bmps =
                s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".bmp")).toList();
            assertEquals(faulty.mfovs() * faulty.beams(), bmps.size());
            assertTrue(
                bmps.stream().allMatch(n -> n.startsWith(MultiSem.THUMBNAIL_PREFIX)),
                bmps.toString());
          }
        }
        default -> throw new AssertionError("unknown fault kind " + f.kind());
      }
    }
    assertEquals(Set.of(BmpException.Kind.BAD_MAGIC, BmpException.Kind.UNSUPPORTED), corruptions);
  }

  private static boolean listed(Path acq, int section, String file) throws IOException {
    Path rel = Path.of(file);
    Path sectionDir = acq.resolve(rel.getName(0));
    Path coordinates = sectionDir.resolve(MultiSem.FULL_IMAGE_COORDINATES);
    String entry = rel.getName(1) + "\\" + rel.getFileName();
    if (!Files.exists(coordinates)) {
      coordinates = sectionDir.resolve(rel.getName(1)).resolve(MultiSem.IMAGE_COORDINATES);
      entry = rel.getFileName().toString();
    }
    String prefix = entry + "\t";
    return Files.readAllLines(coordinates).stream().anyMatch(l -> l.startsWith(prefix));
  }

  // ------------------------------------------------------------------ geometry

  @Test
  void beamsFormAHexagonalSpiralWhoseNeighboursOverlapAsConfigured() {
    for (int beams : new int[] {7, 19, 61, 91}) {
      for (int mfovs : new int[] {1, 3}) {
        SimulationParams p =
            SimulationParams.preset("smoke").toBuilder()
                .sections(1)
                .beams(beams)
                .mfovs(mfovs)
                .tileSize(200, 172)
                .overlap(0.1)
                .build();
        AcquisitionPlan plan = new AcquisitionPlan(p);
        List<AcquisitionPlan.Tile> tiles = plan.section(1).tiles();
        assertEquals(beams * mfovs, tiles.size());
        double sx = 200 * 0.9;
        double sy = 172 * 0.9;
        assertEquals(sx, plan.spacingX(), 1e-9);
        assertEquals(sy, plan.spacingY(), 1e-9);
        // ring sizes 6r, beam 1 at the centre of its mFoV
        int rings = HexBeams.rings(beams);
        for (int r = 1; r <= rings; r++) {
          int ring = r;
          long inRing =
              tiles.stream().filter(t -> t.mfov() == 1 && HexBeams.ring(t.beam()) == ring).count();
          assertEquals(6 * r, inRing, beams + " beams, ring " + r);
        }
        for (int m = 1; m <= mfovs; m++) {
          int mfov = m;
          List<AcquisitionPlan.Tile> mine = tiles.stream().filter(t -> t.mfov() == mfov).toList();
          double meanX =
              mine.stream().mapToDouble(AcquisitionPlan.Tile::nominalX).average().orElseThrow();
          double meanY =
              mine.stream().mapToDouble(AcquisitionPlan.Tile::nominalY).average().orElseThrow();
          assertEquals(meanX, mine.get(0).nominalX(), 0.01, "beam 1 is the centre");
          assertEquals(meanY, mine.get(0).nominalY(), 0.01);
          assertEquals(1, mine.get(0).beam());
        }
        // neighbours: row neighbours one column spacing apart (overlap = 10% of the width),
        // next-row neighbours
        // half a column and one row spacing apart (overlap = 10% of the height); no two tiles
        // coincide
        int[] neighbours = new int[tiles.size()];
        for (int i = 0; i < tiles.size(); i++) {
          for (int j = i + 1; j < tiles.size(); j++) {
            double dx = Math.abs(tiles.get(i).nominalX() - tiles.get(j).nominalX());
            double dy = Math.abs(tiles.get(i).nominalY() - tiles.get(j).nominalY());
            assertTrue(dx > 1 || dy > 1, "tiles " + i + " and " + j + " coincide");
            boolean row = Math.abs(dy) < 0.01 && Math.abs(dx - sx) < 0.01;
            boolean diagonal = Math.abs(dy - sy) < 0.01 && Math.abs(dx - sx / 2) < 0.01;
            if (row || diagonal) {
              neighbours[i]++;
              neighbours[j]++;
              if (row) {
                assertEquals(0.1 * 200, 200 - dx, 0.01);
              } else {
                assertEquals(0.1 * 172, 172 - dy, 0.01);
              }
            } else {
              assertTrue(dx >= sx - 0.01 || dy >= sy - 0.01, "no tile is closer than a neighbour");
            }
          }
        }
        assertEquals(6, neighbours[0], "the centre beam has six neighbours");
        // the layout fits the volume with its margin
        for (AcquisitionPlan.Tile t : tiles) {
          assertTrue(t.nominalX() >= plan.margin() - 0.01 && t.nominalY() >= plan.margin() - 0.01);
          assertTrue(t.nominalX() + 200 <= plan.width() - plan.margin() + 1);
          assertTrue(t.nominalY() + 172 <= plan.height() - plan.margin() + 1);
        }
      }
    }
  }

  @Test
  void truePositionsDifferFromNominalByTheConfiguredSigma() {
    SimulationParams p =
        SimulationParams.preset("smoke").toBuilder()
            .sections(300)
            .positionSigma(2.0)
            .mfovPositionSigma(0)
            .build();
    double[] e = errors(new AcquisitionPlan(p));
    assertEquals(0, e[0], 0.12, "mean x error");
    assertEquals(0, e[1], 0.12, "mean y error");
    assertEquals(2.0, e[2], 0.2, "sd x");
    assertEquals(2.0, e[3], 0.2, "sd y");
    // with an mFoV error shared by its beams, the variances add
    SimulationParams q = p.toBuilder().positionSigma(1.5).mfovPositionSigma(3).build();
    double[] f = errors(new AcquisitionPlan(q));
    double expected = Math.sqrt(1.5 * 1.5 + 9);
    assertEquals(expected, f[2], 0.4);
    assertEquals(expected, f[3], 0.4);
    // the written table says the same, and stage = nominal + the section's stage origin
    for (GroundTruth.TileTruth t : faultyTruth.tiles()) {
      GroundTruth.SectionTruth s = faultyTruth.sectionRows().get(t.section() - 1);
      assertEquals(t.stageX(), t.nominalX() + s.stageOriginX(), 0.0011);
      assertEquals(t.stageY(), t.nominalY() + s.stageOriginY(), 0.0011);
      assertTrue(Math.abs(t.trueX() - t.nominalX()) < 6 * 2.0 + 0.01, "within 6 sigma");
    }
    assertEquals(0, faultyTruth.sectionRows().get(0).driftX());
    assertEquals(0, faultyTruth.sectionRows().get(0).rotationDeg());
    assertTrue(faultyTruth.sectionRows().stream().anyMatch(s -> Math.abs(s.rotationDeg()) > 0.05));
  }

  private static double[] errors(AcquisitionPlan plan) {
    List<double[]> d = new ArrayList<>();
    for (AcquisitionPlan.Section s : plan.sections()) {
      for (AcquisitionPlan.Tile t : s.tiles()) {
        d.add(new double[] {t.trueX() - t.nominalX(), t.trueY() - t.nominalY()});
      }
    }
    double mx = d.stream().mapToDouble(v -> v[0]).average().orElseThrow();
    double my = d.stream().mapToDouble(v -> v[1]).average().orElseThrow();
    double vx = d.stream().mapToDouble(v -> (v[0] - mx) * (v[0] - mx)).sum() / (d.size() - 1);
    double vy = d.stream().mapToDouble(v -> (v[1] - my) * (v[1] - my)).sum() / (d.size() - 1);
    return new double[] {mx, my, Math.sqrt(vx), Math.sqrt(vy)};
  }

  // ------------------------------------------------------------------ ground truth consistency

  @Test
  void tilePixelsAreTheSectionImageSampledAtTheTruePosition() throws IOException {
    SimulationParams p = SimulationParams.preset("smoke").toBuilder().noise(0).seed(7).build();
    SimulationResult r = SimulatedMicroscope.generate(tmp.resolve("noise-free"), p, 2);
    GroundTruth gt = GroundTruth.load(r.groundTruth());
    int checked = 0;
    for (GroundTruth.TileTruth t : gt.tiles()) {
      int z = t.section() - 1;
      Image8 section = gt.sectionImage(z);
      Image8 tile = Bmp.read8(r.acquisition().resolve(t.file()));
      int worst = 0;
      for (int j = 0; j < tile.height(); j++) {
        for (int i = 0; i < tile.width(); i++) {
          double[] a = gt.toAligned(z, t.trueX() + i, t.trueY() + j);
          double v = bilinear(section, a[0], a[1]);
          double expected = Math.max(0, Math.min(255, 128 + t.gain() * (v - 128) + t.offset()));
          worst = Math.max(worst, (int) Math.ceil(Math.abs(tile.get(i, j) - expected) - 1e-9));
        }
      }
      assertTrue(worst <= 1, t.file() + ": a pixel differs by " + worst + " grey levels");
      // sampling at the nominal position instead does not match: the error is real
      double off = 0;
      for (int j = 0; j < tile.height(); j += 4) {
        for (int i = 0; i < tile.width(); i += 4) {
          double[] a = gt.toAligned(z, t.nominalX() + i, t.nominalY() + j);
          off +=
              Math.abs(
                  tile.get(i, j)
                      - (128 + t.gain() * (bilinear(section, a[0], a[1]) - 128) + t.offset()));
        }
      }
      assertTrue(
          off / (tile.width() * tile.height() / 16.0) > 1.0,
          t.file() + " matches at its nominal position");
      checked++;
    }
    assertEquals(21, checked);
  }

  private static double bilinear(Image8 img, double x, double y) {
    x = Math.max(0, Math.min(img.width() - 1, x));
    y = Math.max(0, Math.min(img.height() - 1, y));
    int x0 = Math.min((int) Math.floor(x), img.width() - 2);
    int y0 = Math.min((int) Math.floor(y), img.height() - 2);
    double fx = x - x0;
    double fy = y - y0;
    double top = img.get(x0, y0) * (1 - fx) + img.get(x0 + 1, y0) * fx;
    double bottom = img.get(x0, y0 + 1) * (1 - fx) + img.get(x0 + 1, y0 + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  }

  @Test
  void synapsesLieOnContactsBetweenTheirPreAndPostCells() throws IOException {
    List<GroundTruth.SynapseTruth> synapses = faultyTruth.synapses();
    assertTrue(synapses.size() >= faulty.synapses() / 2, "placed " + synapses.size());
    Set<Integer> cellIds =
        faultyTruth.cells().stream()
            .filter(c -> c.voxels() > 0)
            .map(GroundTruth.CellTruth::id)
            .collect(Collectors.toSet());
    int w = faultyTruth.width();
    for (GroundTruth.SynapseTruth s : synapses) {
      assertNotEquals(s.pre(), s.post());
      assertTrue(cellIds.contains(s.pre()) && cellIds.contains(s.post()));
      assertEquals(1, Math.hypot(Math.hypot(s.normalX(), s.normalY()), s.normalZ()), 1e-3);
      int[] labels = faultyTruth.labels(s.z());
      double n = Math.hypot(s.normalX(), s.normalY());
      double ux = s.normalX() / n;
      double uy = s.normalY() / n;
      boolean pre = false;
      boolean post = false;
      for (int k = 1; k <= 5; k++) {
        pre |=
            labels[(int) Math.round(s.y() - k * uy) * w + (int) Math.round(s.x() - k * ux)]
                == s.pre();
        post |=
            labels[(int) Math.round(s.y() + k * uy) * w + (int) Math.round(s.x() + k * ux)]
                == s.post();
      }
      assertTrue(
          pre && post,
          "synapse " + s.id() + " is not on a " + s.pre() + " -> " + s.post() + " contact");
      // the contact is imaged
      GroundTruth.SectionTruth sec = faultyTruth.sectionRows().get(s.z());
      double[] at = faultyTruth.toSection(s.z(), s.x(), s.y());
      assertTrue(
          faultyTruth.tiles().stream()
              .anyMatch(
                  t ->
                      t.section() == sec.section()
                          && at[0] >= t.trueX()
                          && at[1] >= t.trueY()
                          && at[0] < t.trueX() + 128
                          && at[1] < t.trueY() + 112),
          "synapse is imaged");
    }
  }

  @Test
  void theLadderRungsAreTheDemosTissueInVolumesAboutEightAndTwentySevenTimesLarger() {
    SimulationParams demo = SimulationParams.preset("demo");
    double demoVoxels = SimulationParams.voxels(demo);
    for (int volume : new int[] {8, 27}) {
      SimulationParams rung = SimulationParams.preset("demo-" + volume + "x");
      assertEquals(List.of(), rung.problems());
      double ratio = SimulationParams.voxels(rung) / demoVoxels;
      // the margins around the tiles stay fixed, so the aligned volume grows a little less
      assertTrue(ratio > volume * 0.85 && ratio <= volume, volume + "x rung: " + ratio);
      // the same tissue: objects per voxel as in the demo, to rounding
      assertEquals(demo.cells() * ratio, rung.cells(), 0.5);
      assertEquals(demo.synapses() * ratio, rung.synapses(), 0.5);
      assertEquals(demo.mitochondria() * ratio, rung.mitochondria(), 0.5);
      assertEquals(demo.mfovs(), rung.mfovs());
      assertEquals(demo.beams(), rung.beams());
      assertEquals(demo.sections() * Math.round(Math.cbrt(volume)), rung.sections());
    }
  }

  @Test
  void demoCellsAreNeuritesSpanningSectionsAndSomeCrossTheVolume() throws IOException {
    SimulationParams demo =
        SimulationParams.preset("demo").toBuilder()
            .labels(SimulationParams.LabelsFormat.NONE)
            .sectionImages(false)
            .build();
    long t0 = System.nanoTime();
    SimulationResult r = SimulatedMicroscope.generate(tmp.resolve("demo"), demo, 2);
    // a figure, not a test: speed is for benchmarks (a loaded machine takes twice as long)
    System.out.printf("demo generation: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertTrue(r.cells() >= 50 && r.cells() <= 200, r.cells() + " cells");
    assertTrue(r.synapses() >= 50 && r.synapses() <= 150, r.synapses() + " synapses");
    assertEquals(16 * 2 * 7, r.tilesListed());
    List<String> lines = Files.readAllLines(r.groundTruth().resolve("cells.tsv"));
    int crossing = 0;
    List<Integer> zSpans = new ArrayList<>();
    List<Integer> xySpans = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split("\t", -1);
      if (c[5].isEmpty()) {
        continue;
      }
      int xSpan = Integer.parseInt(c[6]) - Integer.parseInt(c[5]) + 1;
      int ySpan = Integer.parseInt(c[8]) - Integer.parseInt(c[7]) + 1;
      int zSpan = Integer.parseInt(c[10]) - Integer.parseInt(c[9]) + 1;
      zSpans.add(zSpan);
      xySpans.add(Math.max(xSpan, ySpan));
      if (zSpan == 16 && (xSpan == r.width() || ySpan == r.height())) {
        crossing++;
      }
    }
    zSpans.sort(null);
    xySpans.sort(null);
    assertTrue(crossing >= 3, crossing + " cells cross the whole volume");
    assertTrue(
        zSpans.get(zSpans.size() / 2) >= 8, "median z span " + zSpans.get(zSpans.size() / 2));
    assertTrue(
        xySpans.get(xySpans.size() / 2) >= 100,
        "median xy span " + xySpans.get(xySpans.size() / 2));
    assertTrue(
        xySpans.get(xySpans.size() - 1) >= 400,
        "largest xy span " + xySpans.get(xySpans.size() - 1));
  }

  // ------------------------------------------------------------------ determinism and parameters

  @Test
  void sameSeedGivesTheSameBytesAndAnotherSeedOthers() throws Exception {
    SimulationParams p = SimulationParams.preset("smoke");
    String a =
        checksum(
            SimulatedMicroscope.generate(tmp.resolve("det-a"), p, 1).acquisition().getParent());
    String b =
        checksum(
            SimulatedMicroscope.generate(tmp.resolve("det-b"), p, 2).acquisition().getParent());
    String c =
        checksum(
            SimulatedMicroscope.generate(tmp.resolve("det-c"), p.toBuilder().seed(2).build(), 2)
                .acquisition()
                .getParent());
    assertEquals(a, b, "same seed, different thread counts: same bytes");
    assertNotEquals(a, c);
  }

  /** SHA-256 over every file's relative path and bytes, in path order. */
  private static String checksum(Path root) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    assertTrue(files.size() > 50);
    for (Path f : files) {
      md.update(root.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
      md.update(Files.readAllBytes(f));
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void badParametersAreRejectedWithEveryProblemNamed() {
    SimulationParams p =
        SimulationParams.preset("smoke").toBuilder().beams(60).sections(0).overlap(0.9).build();
    List<String> problems = p.problems();
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("sections:"), problems.toString());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SimulatedMicroscope.generate(tmp.resolve("bad"), p));
    assertTrue(e.getMessage().contains("beams: must be 7, 19, 37, 61 or 91"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> SimulationParams.Faults.NONE.with("bogus=1"));
    assertThrows(
        IllegalArgumentException.class, () -> SimulationParams.Faults.NONE.with("missing=x"));
    assertThrows(IllegalArgumentException.class, () -> SimulationParams.preset("huge"));
    SimulationParams tooMany =
        SimulationParams.preset("smoke").toBuilder()
            .faults(SimulationParams.Faults.NONE.with("missing", 100))
            .build();
    assertTrue(tooMany.problems().get(0).contains("only 21 tiles"), tooMany.problems().toString());
    assertThrows(
        IllegalArgumentException.class,
        () -> SimulatedMicroscope.generate(faultyRun.acquisition().getParent(), faulty),
        "existing output");
  }

  @Test
  void presetsHaveTheirDocumentedSizes() {
    AcquisitionPlan smoke = new AcquisitionPlan(SimulationParams.preset("smoke"));
    assertEquals(21, smoke.tileCount());
    AcquisitionPlan demo = new AcquisitionPlan(SimulationParams.preset("demo"));
    assertEquals(224, demo.tileCount());
    AcquisitionPlan bench = new AcquisitionPlan(SimulationParams.preset("bench"));
    assertEquals(20 * 4 * 61, bench.tileCount());
    SimulationParams b = bench.params();
    long bytes =
        bench.tileCount()
            * (Bmp.fileSize8(b.tileWidth(), b.tileHeight())
                + Bmp.fileSize8(b.tileWidth() / 8, b.tileHeight() / 8));
    assertTrue(bytes > 250e6 && bytes < 320e6, bytes + " bytes");
  }
}
