package org.connectome.simulator;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.HexBeams;
import org.connectome.imaging.MultiSem;

/**
 * Where every tile of the acquisition is, nominally and truly, when it was taken and what is wrong
 * with it. Cheap to compute (no pixels), so tests can check the statistics of thousands of tiles.
 *
 * <p>Frames: the <em>aligned volume</em> is {@code width x height x sections} voxels; the
 * <em>section frame</em> of a section is where its tiles truly sit: {@code s = R(theta) (a - c) + c
 * + d} for an aligned point {@code a}, with {@code c} the volume centre {@code ((width-1)/2,
 * (height-1)/2)}, {@code d} the section's drift and {@code theta} its rotation. Pixel centres are
 * at integer coordinates in both frames. Written stage coordinates are section-frame nominal
 * positions plus the section's stage origin.
 */
public final class AcquisitionPlan {
  /** What became of a tile on disk. */
  public enum Status {
    /** Written whole. */
    OK("ok"),
    /** Listed, file absent (thumbnail present). */
    MISSING("missing"),
    /** File cut short. */
    TRUNCATED("truncated"),
    /** Header destroyed. */
    CORRUPT("corrupt"),
    /**
     * The older acquisition of a re-imaged tile: listed and present, but worse (noisier, darker).
     */
    SUPERSEDED("superseded"),
    /** The newer acquisition of a re-imaged tile: the good one. */
    REIMAGED("reimaged"),
    /**
     * In a thumbnails-only section: only the thumbnail is present (and listed in the thumbnail
     * coordinates).
     */
    THUMBNAIL_ONLY("thumbnail-only");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /** Whether the full tile file exists on disk. */
    public boolean fileWritten() {
      return this != MISSING && this != THUMBNAIL_ONLY;
    }
  }

  /**
   * One listed tile.
   *
   * @param section section number (from 1)
   * @param mfov mFoV number (from 1)
   * @param beam beam number (from 1)
   * @param fileName tile file name (no folder)
   * @param time acquisition time (as in the name)
   * @param stageX x as written in the coordinate files (3 decimals)
   * @param stageY y as written in the coordinate files
   * @param nominalX nominal top-left x in the section frame ({@code stageX} minus the section's
   *     stage origin)
   * @param nominalY nominal top-left y in the section frame
   * @param trueX true top-left x in the section frame (centre of the tile's pixel (0, 0))
   * @param trueY true top-left y in the section frame
   * @param gain contrast gain applied about grey 128
   * @param offset brightness offset, grey levels
   * @param noise detector noise at grey 128, grey levels
   * @param status what became of it on disk
   * @param fault fault parameter: kept fraction (truncated) or damage variant (corrupt); 0
   *     otherwise
   * @param detail human-readable fault detail, empty when OK
   */
  public record Tile(
      int section,
      int mfov,
      int beam,
      String fileName,
      LocalDateTime time,
      double stageX,
      double stageY,
      double nominalX,
      double nominalY,
      double trueX,
      double trueY,
      double gain,
      double offset,
      double noise,
      Status status,
      double fault,
      String detail) {
    public String mfovFolder() {
      return MultiSem.mfovFolder(mfov);
    }

    public String thumbnailName() {
      return MultiSem.THUMBNAIL_PREFIX + fileName;
    }
  }

  /** An unrelated file dropped into a folder. */
  public record ExtraFile(int section, String relativePath, String description) {}

  /**
   * One section.
   *
   * @param section number, from 1
   * @param z plane of the aligned volume, from 0
   * @param folder folder name, e.g. {@code 001_S1R1}
   * @param driftX translation x (section frame minus rotated aligned frame), px
   * @param driftY translation y, px
   * @param rotationDeg rotation, degrees (counter-clockwise as x right, y up; clockwise on screen)
   * @param stageOriginX stage coordinates of the section frame's origin, x
   * @param stageOriginY stage coordinates of the section frame's origin, y
   * @param start when its first mFoV was taken
   * @param noFullCoordinates whether {@code full_image_coordinates.txt} is left out (mFoV files
   *     remain)
   * @param thumbnailsOnly whether only thumbnails are written (no tiles, no image coordinate files)
   * @param tiles tiles in acquisition order (a re-imaged tile's newer entry comes last)
   * @param extras unrelated files
   */
  public record Section(
      int section,
      int z,
      String folder,
      double driftX,
      double driftY,
      double rotationDeg,
      double stageOriginX,
      double stageOriginY,
      LocalDateTime start,
      boolean noFullCoordinates,
      boolean thumbnailsOnly,
      List<Tile> tiles,
      List<ExtraFile> extras) {}

  private final SimulationParams params;
  private final int width;
  private final int height;
  private final double spacingX;
  private final double spacingY;
  private final int margin;
  private final List<Section> sections;
  private final double[] beamGain;
  private final double[] beamOffset;

  private static final String[] EXTRA_NAMES = {
    "Thumbs.db", "desktop.ini", "autofocus_%s.bmp", "stage_log.txt", "copy_in_progress.tmp"
  };

  public AcquisitionPlan(SimulationParams p) {
    p.validate();
    this.params = p;
    int tw = p.tileWidth();
    int th = p.tileHeight();
    spacingX = tw * (1 - p.overlap());
    spacingY = th * (1 - p.overlap());
    int rings = HexBeams.rings(p.beams());

    // tile top-left corners relative to mFoV 1's centre beam
    double[][] rel = new double[p.mfovs() * p.beams()][];
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (int m = 1; m <= p.mfovs(); m++) {
      double[] mc = mfovCentre(m, rings, spacingX, spacingY);
      for (int b = 1; b <= p.beams(); b++) {
        double[] o = HexBeams.offset(b, spacingX, spacingY);
        double x = mc[0] + o[0] - tw / 2.0;
        double y = mc[1] + o[1] - th / 2.0;
        rel[(m - 1) * p.beams() + b - 1] = new double[] {x, y};
        minX = Math.min(minX, x);
        minY = Math.min(minY, y);
        maxX = Math.max(maxX, x + tw);
        maxY = Math.max(maxY, y + th);
      }
    }
    double bw = maxX - minX;
    double bh = maxY - minY;
    double halfDiag = 0.5 * Math.hypot(bw, bh) + 200;
    margin =
        (int)
            Math.ceil(
                p.maxDrift() * Math.sqrt(2)
                    + Math.toRadians(p.maxRotationDeg()) * halfDiag
                    + 4.5 * (p.positionSigma() + p.mfovPositionSigma())
                    + 8);
    width = (int) Math.ceil(bw) + 2 * margin;
    height = (int) Math.ceil(bh) + 2 * margin;

    beamGain = new double[p.beams() + 1];
    beamOffset = new double[p.beams() + 1];
    for (int b = 1; b <= p.beams(); b++) {
      SplittableRandom r = Rng.random(p.seed(), "beam", b);
      beamGain[b] = 1 + p.beamGainSpread() * Rng.uniform(r, -1, 1);
      beamOffset[b] = p.beamOffsetSpread() * Rng.uniform(r, -1, 1);
    }

    // section-level faults
    SplittableRandom fr = Rng.random(p.seed(), "section-faults");
    List<Integer> order = new ArrayList<>();
    for (int s = 1; s <= p.sections(); s++) {
      order.add(s);
    }
    shuffle(order, fr);
    Set<Integer> thumbOnly = new HashSet<>(order.subList(0, p.faults().thumbnailsOnly()));
    List<Integer> rest = new ArrayList<>(order.subList(p.faults().thumbnailsOnly(), order.size()));
    rest.addAll(order.subList(0, p.faults().thumbnailsOnly()));
    Set<Integer> noFull = new HashSet<>(rest.subList(0, p.faults().noFullCoordinates()));

    // tile faults: distinct (section, mfov, beam) outside thumbnails-only sections
    Map<Long, Status> tileFault = new HashMap<>();
    Map<Long, Double> faultValue = new HashMap<>();
    SplittableRandom tr = Rng.random(p.seed(), "tile-faults");
    Status[] kinds = new Status[p.faults().tileFaults()];
    int k = 0;
    for (int i = 0; i < p.faults().missing(); i++) {
      kinds[k++] = Status.MISSING;
    }
    for (int i = 0; i < p.faults().truncated(); i++) {
      kinds[k++] = Status.TRUNCATED;
    }
    for (int i = 0; i < p.faults().corrupt(); i++) {
      kinds[k++] = Status.CORRUPT;
    }
    for (int i = 0; i < p.faults().reimaged(); i++) {
      kinds[k++] = Status.SUPERSEDED;
    }
    int corruptIndex = 0;
    for (Status kind : kinds) {
      long key;
      do {
        int s = 1 + tr.nextInt(p.sections());
        key = tileKey(s, 1 + tr.nextInt(p.mfovs()), 1 + tr.nextInt(p.beams()));
        if (thumbOnly.contains(s)) {
          key = -1;
        }
      } while (key < 0 || tileFault.containsKey(key));
      tileFault.put(key, kind);
      faultValue.put(
          key,
          kind == Status.TRUNCATED
              ? Rng.uniform(tr, 0.25, 0.85)
              : kind == Status.CORRUPT ? (double) (corruptIndex++ % 3) : 0.0);
    }

    // extra files: folder (section or mFoV) and name
    Map<Integer, List<ExtraFile>> extras = new HashMap<>();
    SplittableRandom er = Rng.random(p.seed(), "extra-files");
    Set<String> used = new HashSet<>();
    for (int i = 0; i < p.faults().extraFiles(); i++) {
      int s = 1 + er.nextInt(p.sections());
      boolean inSection = er.nextDouble() < 0.3;
      int m = 1 + er.nextInt(p.mfovs());
      String base = String.format(EXTRA_NAMES[i % EXTRA_NAMES.length], MultiSem.mfovFolder(m));
      String folder = inSection ? "" : MultiSem.mfovFolder(m) + "/";
      String path = folder + base;
      for (int n = 2; used.contains(s + "/" + path); n++) {
        int dot = base.lastIndexOf('.');
        path = folder + base.substring(0, dot) + "_" + n + base.substring(dot);
      }
      used.add(s + "/" + path);
      String description = base.endsWith(".bmp") ? "unlisted BMP (not a tile)" : "unrelated file";
      extras.computeIfAbsent(s, x -> new ArrayList<>()).add(new ExtraFile(s, path, description));
    }

    // sections: drift, rotation, stage origin, tiles, times
    SplittableRandom stage = Rng.random(p.seed(), "stage-origin");
    double baseX = -Math.round((300_000 + 100_000 * stage.nextDouble()) * 1000) / 1000.0;
    double baseY = -Math.round((100_000 + 50_000 * stage.nextDouble()) * 1000) / 1000.0;
    List<Section> list = new ArrayList<>(p.sections());
    LocalDateTime sectionStart = p.acquisitionStart();
    for (int s = 1; s <= p.sections(); s++) {
      SplittableRandom sr = Rng.random(p.seed(), "section", s);
      double dx = 0;
      double dy = 0;
      double rot = 0;
      if (s > 1) {
        dx = Rng.uniform(sr, -1, 1) * p.maxDrift();
        dy = Rng.uniform(sr, -1, 1) * p.maxDrift();
        rot = Rng.uniform(sr, -1, 1) * p.maxRotationDeg();
      }
      double ox = round3(baseX + Rng.uniform(sr, -1, 1) * p.stageJitter());
      double oy = round3(baseY + Rng.uniform(sr, -1, 1) * p.stageJitter());

      List<Tile> tiles = new ArrayList<>();
      List<Tile> reimages = new ArrayList<>();
      long ticks = 0; // 100 ns since section start
      SplittableRandom timing = Rng.random(p.seed(), "timing", s);
      for (int m = 1; m <= p.mfovs(); m++) {
        SplittableRandom mr = Rng.random(p.seed(), "mfov-error", s, m);
        double emx = mr.nextGaussian() * p.mfovPositionSigma();
        double emy = mr.nextGaussian() * p.mfovPositionSigma();
        long mfovTicks = ticks;
        for (int b = 1; b <= p.beams(); b++) {
          mfovTicks += 110_000 + timing.nextInt(30_000); // beams written about 12 ms apart
          double[] r = rel[(m - 1) * p.beams() + b - 1];
          double nx = r[0] - minX + margin;
          double ny = r[1] - minY + margin;
          long key = tileKey(s, m, b);
          Status status =
              thumbOnly.contains(s)
                  ? Status.THUMBNAIL_ONLY
                  : tileFault.getOrDefault(key, Status.OK);
          double fault = faultValue.getOrDefault(key, 0.0);
          tiles.add(
              tile(
                  p,
                  s,
                  m,
                  b,
                  0,
                  sectionStart.plusNanos(mfovTicks * 100),
                  nx,
                  ny,
                  ox,
                  oy,
                  emx,
                  emy,
                  status,
                  fault));
          if (status == Status.SUPERSEDED) {
            reimages.add(tile(p, s, m, b, 1, null, nx, ny, ox, oy, emx, emy, Status.REIMAGED, 0));
          }
        }
        ticks += 25_000_000 + timing.nextInt(3_000_000); // 2.5-2.8 s per mFoV
      }
      // re-imaged tiles are taken again after the section's last mFoV, in their original order
      List<Tile> all = new ArrayList<>(tiles);
      ticks += 40_000_000;
      for (Tile t : reimages) {
        ticks += 25_000_000 + timing.nextInt(3_000_000);
        LocalDateTime time = sectionStart.plusNanos(ticks * 100);
        all.add(withTime(t, time));
      }
      all = withDetails(all, Bmp.fileSize8(tw, th));
      List<ExtraFile> ex = extras.getOrDefault(s, List.of());
      list.add(
          new Section(
              s,
              s - 1,
              MultiSem.sectionFolder(s, s, 1),
              dx,
              dy,
              rot,
              ox,
              oy,
              sectionStart,
              noFull.contains(s),
              thumbOnly.contains(s),
              List.copyOf(all),
              List.copyOf(ex)));
      sectionStart = sectionStart.plusNanos(ticks * 100).plusSeconds(60 + timing.nextInt(30));
    }
    sections = List.copyOf(list);
  }

  private Tile tile(
      SimulationParams p,
      int s,
      int m,
      int b,
      int version,
      LocalDateTime time,
      double nx,
      double ny,
      double ox,
      double oy,
      double emx,
      double emy,
      Status status,
      double fault) {
    SplittableRandom r = Rng.random(p.seed(), "tile", s, m, b, version);
    double ex = r.nextGaussian() * p.positionSigma();
    double ey = r.nextGaussian() * p.positionSigma();
    double gain = beamGain[b] * (1 + p.tileGainJitter() * Rng.uniform(r, -1, 1));
    double offset = beamOffset[b] + 1.5 * Rng.uniform(r, -1, 1);
    double noise = p.noise();
    if (status == Status.SUPERSEDED) {
      gain *= 0.85;
      offset -= 12;
      noise = Math.max(3 * noise, 8);
    }
    double stageX = round3(nx + ox);
    double stageY = round3(ny + oy);
    String name = time == null ? "" : MultiSem.tileFileName(s, m, b, MultiSem.timestamp(time));
    return new Tile(
        s,
        m,
        b,
        name,
        time,
        stageX,
        stageY,
        stageX - ox,
        stageY - oy,
        nx + emx + ex,
        ny + emy + ey,
        gain,
        offset,
        noise,
        status,
        fault,
        "");
  }

  private static Tile withTime(Tile t, LocalDateTime time) {
    return new Tile(
        t.section(),
        t.mfov(),
        t.beam(),
        MultiSem.tileFileName(t.section(), t.mfov(), t.beam(), MultiSem.timestamp(time)),
        time,
        t.stageX(),
        t.stageY(),
        t.nominalX(),
        t.nominalY(),
        t.trueX(),
        t.trueY(),
        t.gain(),
        t.offset(),
        t.noise(),
        t.status(),
        t.fault(),
        t.detail());
  }

  /** Fills in the human-readable fault details (a superseded tile names its newer acquisition). */
  private static List<Tile> withDetails(List<Tile> tiles, long fileSize) {
    Map<Long, Tile> newer = new HashMap<>();
    for (Tile t : tiles) {
      if (t.status() == Status.REIMAGED) {
        newer.put(tileKey(t.section(), t.mfov(), t.beam()), t);
      }
    }
    List<Tile> out = new ArrayList<>(tiles.size());
    for (Tile t : tiles) {
      String detail =
          switch (t.status()) {
            case OK -> "";
            case MISSING -> "tile file absent (its thumbnail is present)";
            case TRUNCATED ->
                "file cut to "
                    + truncatedLength(fileSize, t.fault())
                    + " of "
                    + fileSize
                    + " bytes";
            case CORRUPT -> CORRUPTIONS[(int) t.fault()];
            case SUPERSEDED ->
                "re-imaged as "
                    + newer.get(tileKey(t.section(), t.mfov(), t.beam())).fileName()
                    + "; this older one is noisier and darker";
            case REIMAGED -> "newer acquisition of a re-imaged tile (the good one)";
            case THUMBNAIL_ONLY ->
                "thumbnails-only section: tile absent and not listed; its thumbnail is present";
          };
      out.add(
          new Tile(
              t.section(),
              t.mfov(),
              t.beam(),
              t.fileName(),
              t.time(),
              t.stageX(),
              t.stageY(),
              t.nominalX(),
              t.nominalY(),
              t.trueX(),
              t.trueY(),
              t.gain(),
              t.offset(),
              t.noise(),
              t.status(),
              t.fault(),
              detail));
    }
    return out;
  }

  /** Ways a corrupt tile is damaged, by variant. */
  static final String[] CORRUPTIONS = {
    "bad magic: first two bytes zeroed",
    "headers (first 1078 bytes) zeroed",
    "bits-per-pixel field set to 0"
  };

  /** Bytes a truncated tile keeps. */
  static long truncatedLength(long fileSize, double fraction) {
    return Math.max(Bmp.PIXEL_DATA_OFFSET_8 + 1, (long) (fileSize * fraction));
  }

  static long tileKey(int s, int m, int b) {
    return ((long) s << 32) | ((long) m << 12) | b;
  }

  /**
   * Centre of mFoV {@code m} relative to mFoV 1's centre: mFoVs tile the beam lattice as hexagons.
   */
  static double[] mfovCentre(int m, int rings, double sx, double sy) {
    int[] s = HexBeams.axial(m);
    // super-lattice basis in beam-lattice axial coordinates: A = (2R+1, -R), B = (R, R+1)
    int q = s[0] * (2 * rings + 1) + s[1] * rings;
    int r = -s[0] * rings + s[1] * (rings + 1);
    return new double[] {sx * (q + r / 2.0), sy * r};
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static <T> void shuffle(List<T> list, SplittableRandom r) {
    for (int i = list.size() - 1; i > 0; i--) {
      Collections.swap(list, i, r.nextInt(i + 1));
    }
  }

  public SimulationParams params() {
    return params;
  }

  /** Width of the aligned volume (and of every section frame considered), px. */
  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Border between the volume's edge and the nominal tile layout's bounding box, px. */
  public int margin() {
    return margin;
  }

  /** Column spacing of beams (and tiles) in a row, px. */
  public double spacingX() {
    return spacingX;
  }

  /** Row spacing of beams, px. */
  public double spacingY() {
    return spacingY;
  }

  public List<Section> sections() {
    return sections;
  }

  public Section section(int number) {
    return sections.get(number - 1);
  }

  public double beamGain(int beam) {
    return beamGain[beam];
  }

  public double beamOffset(int beam) {
    return beamOffset[beam];
  }

  /** Rotation centre of every section transform. */
  public double centreX() {
    return (width - 1) / 2.0;
  }

  public double centreY() {
    return (height - 1) / 2.0;
  }

  /** Maps aligned-volume point (x, y) of {@code s} to its section frame. */
  public double[] toSection(Section s, double x, double y) {
    double t = Math.toRadians(s.rotationDeg());
    double c = Math.cos(t);
    double si = Math.sin(t);
    double ax = x - centreX();
    double ay = y - centreY();
    return new double[] {
      centreX() + c * ax - si * ay + s.driftX(), centreY() + si * ax + c * ay + s.driftY()
    };
  }

  /** Maps section-frame point (x, y) of {@code s} to the aligned volume. */
  public double[] toAligned(Section s, double x, double y) {
    double t = Math.toRadians(s.rotationDeg());
    double c = Math.cos(t);
    double si = Math.sin(t);
    double sx = x - centreX() - s.driftX();
    double sy = y - centreY() - s.driftY();
    return new double[] {centreX() + c * sx + si * sy, centreY() - si * sx + c * sy};
  }

  /**
   * Whether aligned point (x, y) of section {@code z} lies at least {@code inset} px inside a
   * listed tile.
   */
  public boolean covered(int z, double x, double y, double inset) {
    Section s = sections.get(z);
    double[] p = toSection(s, x, y);
    for (Tile t : s.tiles()) {
      if (p[0] >= t.trueX() + inset
          && p[1] >= t.trueY() + inset
          && p[0] <= t.trueX() + params.tileWidth() - 1 - inset
          && p[1] <= t.trueY() + params.tileHeight() - 1 - inset) {
        return true;
      }
    }
    return false;
  }

  /** Listed tiles of the whole acquisition (a re-imaged tile counts twice). */
  public int tileCount() {
    int n = 0;
    for (Section s : sections) {
      n += s.tiles().size();
    }
    return n;
  }
}
