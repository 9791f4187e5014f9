package org.connectome.simulator;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.imaging.HexBeams;

/**
 * Everything that decides a simulated acquisition. The same parameters (seed included) give the
 * same bytes.
 *
 * <p>Lengths are in pixels of the section images (= voxels of the aligned volume in x and y) unless
 * named otherwise. Start from a {@link #preset(String)} and change what you need with {@link
 * #toBuilder()}.
 *
 * @param preset name of the preset these parameters started from (recorded only)
 * @param seed seed of every random choice
 * @param name acquisition name: the folder is {@code <name>_<YYYYMMDD>_<HH-MM-SS>}
 * @param acquisitionStart when section 1 starts; the folder name and every tile timestamp follow
 *     from it
 * @param sections sections (z planes of the volume)
 * @param mfovs mFoVs per section, laid out on a hexagonal spiral around the first
 * @param beams beams per mFoV: 7, 19, 37, 61 or 91 (hexagon with rings 0..1, 2, 3, 4, 5)
 * @param tileWidth tile width in pixels
 * @param tileHeight tile height in pixels
 * @param overlap fraction of a tile's width (height) its row (next-row) neighbours overlap
 * @param pixelSizeNm pixel size (x = y) in nm
 * @param sectionThicknessNm section thickness (z voxel size) in nm
 * @param positionSigma standard deviation of each tile's stage-position error, px per axis
 * @param mfovPositionSigma standard deviation of an mFoV's stage-position error shared by its
 *     tiles, px
 * @param maxDrift largest per-section translation (uniform in [-maxDrift, maxDrift] per axis), px
 * @param maxRotationDeg largest per-section rotation (uniform in [-max, max]), degrees
 * @param stageJitter per-section jitter of the wafer stage origin, px (sections sit elsewhere on
 *     the wafer; the written stage coordinates carry it)
 * @param noise standard deviation of the detector noise at grey 128, grey levels (0 = none)
 * @param beamGainSpread per-beam contrast gain spread: gain uniform in [1 - s, 1 + s], fixed per
 *     beam
 * @param beamOffsetSpread per-beam brightness offset spread, grey levels, fixed per beam
 * @param tileGainJitter additional per-tile relative gain jitter
 * @param cells cells (neurites) to place; fewer are placed when they no longer fit
 * @param cellRadiusMin smallest neurite radius (px)
 * @param cellRadiusMax largest neurite radius (px)
 * @param membraneThickness dark membrane band width across a boundary in the section plane (px)
 * @param synapses synapses to place at cell contacts
 * @param mitochondria mitochondria to place inside cells
 * @param thumbnailScale thumbnails are tiles reduced by this factor (box average)
 * @param faults faults to inject (counts; placement is seeded)
 * @param labels how the ground-truth label volume is written
 * @param sectionImages whether the ground truth includes each section's noise-free image (aligned
 *     frame)
 * @param appearance how the tissue looks: grey levels, textures, blur and drift ({@link
 *     Appearance#CLASSIC} for the smoke, demo and bench presets)
 */
public record SimulationParams(
    String preset,
    long seed,
    String name,
    LocalDateTime acquisitionStart,
    int sections,
    int mfovs,
    int beams,
    int tileWidth,
    int tileHeight,
    double overlap,
    double pixelSizeNm,
    double sectionThicknessNm,
    double positionSigma,
    double mfovPositionSigma,
    double maxDrift,
    double maxRotationDeg,
    double stageJitter,
    double noise,
    double beamGainSpread,
    double beamOffsetSpread,
    double tileGainJitter,
    int cells,
    double cellRadiusMin,
    double cellRadiusMax,
    double membraneThickness,
    int synapses,
    int mitochondria,
    int thumbnailScale,
    Faults faults,
    LabelsFormat labels,
    boolean sectionImages,
    Appearance appearance) {

  /** How the ground-truth label volume is written. */
  public enum LabelsFormat {
    /** {@code labels/z0000.raw}: little-endian uint32, x fastest. */
    RAW,
    /** {@code labels/z0000.raw.gz}: the same bytes, gzip-compressed. */
    GZIP,
    /** No label files (benchmarks of ingest). */
    NONE
  }

  /**
   * Faults to inject; each is a count, placed by the seed and recorded in {@code faults.tsv}.
   *
   * @param missing tiles listed in the coordinate files whose file is absent (thumbnail present)
   * @param truncated tile files cut short
   * @param corrupt tile files whose header is destroyed (bad magic, zeroed, bits per pixel 0)
   * @param reimaged tiles acquired twice: both files exist and both are listed; the newer is good
   * @param extraFiles unrelated files dropped into section and mFoV folders
   * @param noFullCoordinates sections without {@code full_image_coordinates.txt} (mFoV files
   *     remain)
   * @param thumbnailsOnly sections holding only thumbnails (with full_thumbnail_coordinates.txt and
   *     metadata.txt): no tiles and no image coordinate files
   */
  public record Faults(
      int missing,
      int truncated,
      int corrupt,
      int reimaged,
      int extraFiles,
      int noFullCoordinates,
      int thumbnailsOnly) {
    public static final Faults NONE = new Faults(0, 0, 0, 0, 0, 0, 0);

    /** Fault kinds as {@link #with} and the command line name them. */
    public static final List<String> KINDS =
        List.of(
            "missing",
            "truncated",
            "corrupt",
            "reimaged",
            "extra",
            "no-full-coordinates",
            "thumbnails-only");

    /** Tile faults (each takes one distinct tile). */
    public int tileFaults() {
      return missing + truncated + corrupt + reimaged;
    }

    public int total() {
      return tileFaults() + extraFiles + noFullCoordinates + thumbnailsOnly;
    }

    /** These faults with kind {@code kind} (one of {@link #KINDS}) set to {@code count}. */
    public Faults with(String kind, int count) {
      if (count < 0) {
        throw new IllegalArgumentException("fault " + kind + ": count must be >= 0, got " + count);
      }
      return switch (kind) {
        case "missing" ->
            new Faults(
                count, truncated, corrupt, reimaged, extraFiles, noFullCoordinates, thumbnailsOnly);
        case "truncated" ->
            new Faults(
                missing, count, corrupt, reimaged, extraFiles, noFullCoordinates, thumbnailsOnly);
        case "corrupt", "unreadable" ->
            new Faults(
                missing, truncated, count, reimaged, extraFiles, noFullCoordinates, thumbnailsOnly);
        case "reimaged" ->
            new Faults(
                missing, truncated, corrupt, count, extraFiles, noFullCoordinates, thumbnailsOnly);
        case "extra" ->
            new Faults(
                missing, truncated, corrupt, reimaged, count, noFullCoordinates, thumbnailsOnly);
        case "no-full-coordinates" ->
            new Faults(missing, truncated, corrupt, reimaged, extraFiles, count, thumbnailsOnly);
        case "thumbnails-only" ->
            new Faults(missing, truncated, corrupt, reimaged, extraFiles, noFullCoordinates, count);
        default ->
            throw new IllegalArgumentException(
                "unknown fault kind '" + kind + "' (known: " + String.join(", ", KINDS) + ")");
      };
    }

    /** Applies {@code kind=count} (e.g. {@code missing=2}). */
    public Faults with(String assignment) {
      int eq = assignment.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "fault '" + assignment + "': expected KIND=COUNT, e.g. missing=2");
      }
      String kind = assignment.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = assignment.substring(eq + 1).trim();
      try {
        return with(kind, Integer.parseInt(value));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "fault " + kind + ": '" + value + "' is not a whole number");
      }
    }
  }

  private static final LocalDateTime DEFAULT_START = LocalDateTime.of(2021, 5, 25, 21, 46, 49);

  /**
   * The presets by name: {@code smoke}, {@code demo}, {@code bench} (the classic look), {@code
   * demo-8x} and {@code demo-27x} (the scale ladder's rungs), {@code realistic} and {@code
   * realistic-iso} (the realistic look, anisotropic and isotropic voxels).
   */
  public static Map<String, SimulationParams> presets() {
    Map<String, SimulationParams> m = new LinkedHashMap<>();
    // seconds to generate: 3 sections of one 7-beam mFoV, tiles 128 x 112
    m.put(
        "smoke",
        new SimulationParams(
            "smoke",
            1,
            "smoke",
            DEFAULT_START,
            3,
            1,
            7,
            128,
            112,
            0.10,
            8,
            33,
            2.0,
            0,
            6,
            0.5,
            2000,
            4,
            0.08,
            6,
            0.02,
            30,
            8,
            22,
            3,
            8,
            8,
            8,
            Faults.NONE,
            LabelsFormat.RAW,
            true,
            Appearance.CLASSIC));
    // the README's demo sample: 16 sections of two 7-beam mFoVs, tiles 256 x 224
    m.put(
        "demo",
        new SimulationParams(
            "demo",
            1,
            "demo",
            DEFAULT_START,
            16,
            2,
            7,
            256,
            224,
            0.08,
            8,
            33,
            2.5,
            4,
            12,
            0.6,
            20000,
            6,
            0.08,
            8,
            0.02,
            140,
            10,
            36,
            3,
            90,
            60,
            8,
            Faults.NONE,
            LabelsFormat.RAW,
            true,
            Appearance.CLASSIC));
    // ingest benchmarks: 20 sections x 4 mFoVs x 61 beams = 4,880 tiles of 256 x 224 px (about 290
    // MB)
    m.put(
        "bench",
        new SimulationParams(
            "bench",
            1,
            "bench",
            DEFAULT_START,
            20,
            4,
            61,
            256,
            224,
            0.08,
            8,
            33,
            2.5,
            5,
            20,
            0.5,
            20000,
            6,
            0.08,
            8,
            0.02,
            1500,
            10,
            36,
            3,
            1000,
            800,
            8,
            Faults.NONE,
            LabelsFormat.NONE,
            false,
            Appearance.CLASSIC));
    // the scale ladder's rungs: the demo's tissue (same density of cells, synapses and
    // mitochondria) in a cube k times its side: k x the sections, tiles k x wider and taller on the
    // same mFoV layout, so k^3 x the volume
    for (int k : new int[] {2, 3}) {
      m.put("demo-" + (k * k * k) + "x", ladderRung(m.get("demo"), k));
    }
    // the demo's acquisition with the realistic look: thin membranes of varying darkness, textured
    // cytoplasm, dark organelles, blur, drift and stronger noise, smaller neurites; 8 x 8 x 33 nm
    SimulationParams demo = m.get("demo");
    m.put(
        "realistic",
        demo.toBuilder()
            .preset("realistic")
            .name("realistic")
            .appearance(Appearance.REALISTIC)
            .noise(9)
            .cells(600)
            .cellRadius(4, 24)
            .membraneThickness(2.2)
            .mitochondria(160)
            .build());
    // the same look with isotropic 8 nm voxels (FIB-SEM-like): 48 sections of 8 nm
    m.put(
        "realistic-iso",
        m.get("realistic").toBuilder()
            .preset("realistic-iso")
            .name("realistic-iso")
            .voxelSize(8, 8)
            .sections(48)
            .maxDrift(4)
            .maxRotationDeg(0.2)
            .build());
    return m;
  }

  /**
   * {@code demo} grown k times along each axis at the same tissue density. The tiles grow rather
   * than the mFoV count, so that the section keeps its shape on the hexagonal mFoV layout; the
   * margins around the tiles do not grow, so the aligned volume is somewhat less than k^3 times the
   * demo's and every count of tissue objects follows the volume actually imaged.
   */
  private static SimulationParams ladderRung(SimulationParams demo, int k) {
    int nominal = k * k * k;
    SimulationParams grown =
        demo.toBuilder()
            .preset("demo-" + nominal + "x")
            .name("demo" + nominal + "x")
            .sections(demo.sections() * k)
            .tileSize(demo.tileWidth() * k, demo.tileHeight() * k)
            .build();
    double ratio = voxels(grown) / voxels(demo);
    return grown.toBuilder()
        .cells((int) Math.round(demo.cells() * ratio))
        .synapses((int) Math.round(demo.synapses() * ratio))
        .mitochondria((int) Math.round(demo.mitochondria() * ratio))
        .build();
  }

  /** Voxels of the aligned volume these parameters image. */
  static double voxels(SimulationParams p) {
    AcquisitionPlan plan = new AcquisitionPlan(p);
    return (double) plan.width() * plan.height() * p.sections();
  }

  /** The preset {@code name}. */
  public static SimulationParams preset(String name) {
    SimulationParams p = presets().get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "unknown preset '" + name + "' (known: " + String.join(", ", presets().keySet()) + ")");
    }
    return p;
  }

  /** Every problem with these parameters, each naming the parameter; empty when they are usable. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      p.add(
          "name: '"
              + name
              + "' must start with a letter or digit and hold only letters, digits, '.', '_', '-'");
    }
    if (acquisitionStart == null) {
      p.add("acquisitionStart: missing");
    }
    if (sections < 1 || sections > 9999) {
      p.add("sections: must be 1 to 9999, got " + sections);
    }
    if (mfovs < 1 || mfovs > 999) {
      p.add("mfovs: must be 1 to 999, got " + mfovs);
    }
    if (!HexBeams.isHexagonal(beams) || beams < 7 || beams > 91) {
      p.add("beams: must be 7, 19, 37, 61 or 91 (a hexagon of 1 + 3r(r+1) beams), got " + beams);
    }
    if (tileWidth < 16 || tileHeight < 16 || tileWidth > 8192 || tileHeight > 8192) {
      p.add("tile size: must be 16 to 8192 px per side, got " + tileWidth + " x " + tileHeight);
    }
    if (!(overlap >= 0.02 && overlap <= 0.4)) {
      p.add("overlap: must be 0.02 to 0.4, got " + overlap);
    }
    if (!(pixelSizeNm > 0) || !(sectionThicknessNm >= pixelSizeNm)) {
      p.add(
          "voxel size: pixel size must be > 0 and section thickness >= pixel size, got "
              + pixelSizeNm
              + " / "
              + sectionThicknessNm);
    }
    if (!(positionSigma >= 0 && positionSigma <= 50)
        || !(mfovPositionSigma >= 0 && mfovPositionSigma <= 50)) {
      p.add("positionSigma, mfovPositionSigma: must be 0 to 50 px");
    }
    if (!(maxDrift >= 0 && maxDrift <= 500)) {
      p.add("maxDrift: must be 0 to 500 px, got " + maxDrift);
    }
    if (!(maxRotationDeg >= 0 && maxRotationDeg <= 5)) {
      p.add("maxRotationDeg: must be 0 to 5 degrees, got " + maxRotationDeg);
    }
    if (!(stageJitter >= 0 && stageJitter <= 1e6)) {
      p.add("stageJitter: must be 0 to 1e6 px, got " + stageJitter);
    }
    if (!(noise >= 0 && noise <= 64)) {
      p.add("noise: must be 0 to 64 grey levels, got " + noise);
    }
    if (!(beamGainSpread >= 0 && beamGainSpread < 0.5)
        || !(tileGainJitter >= 0 && tileGainJitter < 0.2)
        || !(beamOffsetSpread >= 0 && beamOffsetSpread <= 40)) {
      p.add(
          "beamGainSpread (< 0.5), tileGainJitter (< 0.2), beamOffsetSpread (<= 40): out of range");
    }
    if (cells < 1) {
      p.add("cells: must be >= 1, got " + cells);
    }
    if (!(cellRadiusMin >= 4) || !(cellRadiusMax >= cellRadiusMin) || cellRadiusMax > 200) {
      p.add(
          "cell radius: need 4 <= min <= max <= 200 px, got "
              + cellRadiusMin
              + " .. "
              + cellRadiusMax);
    }
    if (!(membraneThickness >= 1 && membraneThickness <= 10)) {
      p.add("membraneThickness: must be 1 to 10 px, got " + membraneThickness);
    }
    if (synapses < 0 || mitochondria < 0) {
      p.add("synapses, mitochondria: must be >= 0");
    }
    if (thumbnailScale < 1 || thumbnailScale > Math.min(tileWidth, tileHeight)) {
      p.add("thumbnailScale: must be 1 to the tile size, got " + thumbnailScale);
    }
    if (faults == null) {
      p.add("faults: missing");
    } else {
      int sectionFaults = faults.noFullCoordinates() + faults.thumbnailsOnly();
      if (faults.missing() < 0
          || faults.truncated() < 0
          || faults.corrupt() < 0
          || faults.reimaged() < 0
          || faults.extraFiles() < 0
          || faults.noFullCoordinates() < 0
          || faults.thumbnailsOnly() < 0) {
        p.add("faults: counts must be >= 0");
      }
      if (faults.noFullCoordinates() > sections
          || faults.thumbnailsOnly() > sections
          || (faults.thumbnailsOnly() >= sections && sections > 0)) {
        p.add(
            "faults: "
                + sectionFaults
                + " section faults for "
                + sections
                + " sections (thumbnails-only must"
                + " leave at least one section with tiles)");
      }
      long tiles = (long) Math.max(0, sections - faults.thumbnailsOnly()) * mfovs * beams;
      if (faults.tileFaults() > tiles) {
        p.add(
            "faults: "
                + faults.tileFaults()
                + " tile faults but only "
                + tiles
                + " tiles to place them on");
      }
    }
    if (labels == null) {
      p.add("labels: missing");
    }
    if (appearance == null) {
      p.add("appearance: missing");
    } else {
      p.addAll(appearance.problems());
    }
    return p;
  }

  /** Throws {@link IllegalArgumentException} listing every problem, if there is one. */
  public SimulationParams validate() {
    List<String> p = problems();
    if (!p.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", p));
    }
    return this;
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Copies parameters with changes. */
  public static final class Builder {
    private String preset;
    private long seed;
    private String name;
    private LocalDateTime acquisitionStart;
    private int sections;
    private int mfovs;
    private int beams;
    private int tileWidth;
    private int tileHeight;
    private double overlap;
    private double pixelSizeNm;
    private double sectionThicknessNm;
    private double positionSigma;
    private double mfovPositionSigma;
    private double maxDrift;
    private double maxRotationDeg;
    private double stageJitter;
    private double noise;
    private double beamGainSpread;
    private double beamOffsetSpread;
    private double tileGainJitter;
    private int cells;
    private double cellRadiusMin;
    private double cellRadiusMax;
    private double membraneThickness;
    private int synapses;
    private int mitochondria;
    private int thumbnailScale;
    private Faults faults;
    private LabelsFormat labels;
    private boolean sectionImages;
    private Appearance appearance;

    private Builder(SimulationParams p) {
      preset = p.preset;
      seed = p.seed;
      name = p.name;
      acquisitionStart = p.acquisitionStart;
      sections = p.sections;
      mfovs = p.mfovs;
      beams = p.beams;
      tileWidth = p.tileWidth;
      tileHeight = p.tileHeight;
      overlap = p.overlap;
      pixelSizeNm = p.pixelSizeNm;
      sectionThicknessNm = p.sectionThicknessNm;
      positionSigma = p.positionSigma;
      mfovPositionSigma = p.mfovPositionSigma;
      maxDrift = p.maxDrift;
      maxRotationDeg = p.maxRotationDeg;
      stageJitter = p.stageJitter;
      noise = p.noise;
      beamGainSpread = p.beamGainSpread;
      beamOffsetSpread = p.beamOffsetSpread;
      tileGainJitter = p.tileGainJitter;
      cells = p.cells;
      cellRadiusMin = p.cellRadiusMin;
      cellRadiusMax = p.cellRadiusMax;
      membraneThickness = p.membraneThickness;
      synapses = p.synapses;
      mitochondria = p.mitochondria;
      thumbnailScale = p.thumbnailScale;
      faults = p.faults;
      labels = p.labels;
      sectionImages = p.sectionImages;
      appearance = p.appearance;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder acquisitionStart(LocalDateTime v) {
      acquisitionStart = v;
      return this;
    }

    public Builder sections(int v) {
      sections = v;
      return this;
    }

    public Builder mfovs(int v) {
      mfovs = v;
      return this;
    }

    public Builder beams(int v) {
      beams = v;
      return this;
    }

    public Builder tileSize(int width, int height) {
      tileWidth = width;
      tileHeight = height;
      return this;
    }

    public Builder overlap(double v) {
      overlap = v;
      return this;
    }

    public Builder voxelSize(double pixelNm, double sectionNm) {
      pixelSizeNm = pixelNm;
      sectionThicknessNm = sectionNm;
      return this;
    }

    public Builder positionSigma(double v) {
      positionSigma = v;
      return this;
    }

    public Builder mfovPositionSigma(double v) {
      mfovPositionSigma = v;
      return this;
    }

    public Builder maxDrift(double v) {
      maxDrift = v;
      return this;
    }

    public Builder maxRotationDeg(double v) {
      maxRotationDeg = v;
      return this;
    }

    public Builder stageJitter(double v) {
      stageJitter = v;
      return this;
    }

    public Builder noise(double v) {
      noise = v;
      return this;
    }

    /** Per-beam gain spread, per-beam offset spread and per-tile gain jitter. */
    public Builder brightness(double gainSpread, double offsetSpread, double tileJitter) {
      beamGainSpread = gainSpread;
      beamOffsetSpread = offsetSpread;
      tileGainJitter = tileJitter;
      return this;
    }

    public Builder cells(int v) {
      cells = v;
      return this;
    }

    public Builder cellRadius(double min, double max) {
      cellRadiusMin = min;
      cellRadiusMax = max;
      return this;
    }

    public Builder membraneThickness(double v) {
      membraneThickness = v;
      return this;
    }

    public Builder synapses(int v) {
      synapses = v;
      return this;
    }

    public Builder mitochondria(int v) {
      mitochondria = v;
      return this;
    }

    public Builder thumbnailScale(int v) {
      thumbnailScale = v;
      return this;
    }

    public Builder faults(Faults v) {
      faults = v;
      return this;
    }

    public Builder labels(LabelsFormat v) {
      labels = v;
      return this;
    }

    public Builder sectionImages(boolean v) {
      sectionImages = v;
      return this;
    }

    public Builder appearance(Appearance v) {
      appearance = v;
      return this;
    }

    public Builder preset(String v) {
      preset = v;
      return this;
    }

    public SimulationParams build() {
      return new SimulationParams(
          preset,
          seed,
          name,
          acquisitionStart,
          sections,
          mfovs,
          beams,
          tileWidth,
          tileHeight,
          overlap,
          pixelSizeNm,
          sectionThicknessNm,
          positionSigma,
          mfovPositionSigma,
          maxDrift,
          maxRotationDeg,
          stageJitter,
          noise,
          beamGainSpread,
          beamOffsetSpread,
          tileGainJitter,
          cells,
          cellRadiusMin,
          cellRadiusMax,
          membraneThickness,
          synapses,
          mitochondria,
          thumbnailScale,
          faults,
          labels,
          sectionImages,
          appearance);
    }
  }
}
