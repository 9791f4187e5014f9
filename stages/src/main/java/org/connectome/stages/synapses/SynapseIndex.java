package org.connectome.stages.synapses;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.Annotations;
import org.connectome.stages.precomputed.AnnotationsWriter;
import org.connectome.stages.precomputed.AtomicFiles;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;

/**
 * All sites of a run's {@code synapses.detect}: the table {@code output/synapses.tsv} and the
 * Neuroglancer point annotations in {@code neuroglancer/synapses/}, built from the per-block files
 * once every block has one, in one unit: what the last detect block builds ({@code index:
 * last-block}), holding every synapse. The {@code synapses.index} step builds the same synapses in
 * many units instead ({@link IndexPartition}).
 *
 * <p>Site ids are 1, 2, ... in the order of the sites' positions (z, then y, then x): the same
 * sites give the same ids and the same bytes whatever the block size, so any number of builders may
 * run at once (each writes whole files atomically, all with the same content), and a rerun rebuilds
 * the same collection. Every segment the blocks saw gets a related-object entry (empty without
 * synapses).
 */
public final class SynapseIndex {
  /** The annotation folder, under the run folder. */
  public static final String FOLDER = RunVolumes.NEUROGLANCER + "/synapses";

  public static final String PRE = "pre_synaptic_cell";
  public static final String POST = "post_synaptic_cell";

  /** The table of all sites, in the step's output folder. */
  public static final String TABLE = "synapses.tsv";

  static final String HEADER =
      "id\tx\ty\tz\tscore\tpre\tpost\tcleft_voxels\tcontrast\tpre_vesicles\tpost_vesicles";

  private SynapseIndex() {}

  /** A site with its id. */
  public record Entry(long id, Site site) {}

  /**
   * Whether every unit of the step has its block file for {@code paramsHash}. Checks from the last
   * unit down and stops at the first missing file: units finish roughly in index order, so all but
   * the last few stop at once.
   */
  public static boolean complete(Path stepOutputDir, long units, String paramsHash) {
    for (long u = units - 1; u >= 0; u--) {
      if (!Files.isRegularFile(BlockSites.file(stepOutputDir, u, paramsHash))) {
        return false;
      }
    }
    return true;
  }

  /** Every site of the step's block files, with ids. */
  public static List<Entry> collect(Path stepOutputDir, long units, String paramsHash)
      throws IOException {
    return collect(stepOutputDir, units, paramsHash, null);
  }

  /**
   * As {@link #collect(Path, long, String)}, adding the segments the blocks saw to {@code segments}
   * if given.
   */
  static List<Entry> collect(Path stepOutputDir, long units, String paramsHash, Set<Long> segments)
      throws IOException {
    List<Site> sites = new ArrayList<>();
    for (long u = 0; u < units; u++) {
      BlockSites b = BlockSites.read(BlockSites.file(stepOutputDir, u, paramsHash));
      sites.addAll(b.sites());
      if (segments != null && b.segments() != null) {
        for (long s : b.segments()) {
          segments.add(s);
        }
      }
    }
    sites.sort(
        Comparator.comparingInt(Site::z).thenComparingDouble(Site::y).thenComparingDouble(Site::x));
    List<Entry> out = new ArrayList<>(sites.size());
    for (Site s : sites) {
      out.add(new Entry(out.size() + 1, s));
    }
    return out;
  }

  /**
   * The annotations' schema: x, y, z at the volume's resolution, four properties, pre and post
   * relationships.
   */
  public static Annotations.Schema schema(double[] resolutionNm) {
    return new Annotations.Schema(
        List.of("x", "y", "z"),
        new double[] {resolutionNm[0] / 1e9, resolutionNm[1] / 1e9, resolutionNm[2] / 1e9},
        List.of(
            new Annotations.Property(
                "score", Annotations.PropertyType.FLOAT32, "detection confidence, 0 to 1"),
            new Annotations.Property(
                "contrast",
                Annotations.PropertyType.FLOAT32,
                "grey levels darker than the membranes around"),
            new Annotations.Property(
                "cleft_voxels", Annotations.PropertyType.UINT32, "voxels of the cleft"),
            new Annotations.Property(
                "vesicles",
                Annotations.PropertyType.UINT16,
                "vesicles found on the pre-synaptic side")),
        List.of(PRE, POST));
  }

  /**
   * A site as a point annotation. The position is the site's voxel centre: Neuroglancer puts voxel
   * {@code i}'s centre at {@code i + 0.5}, the run at {@code i}.
   */
  public static Annotations.Point point(Entry e) {
    Site s = e.site();
    return new Annotations.Point(
        e.id(),
        new double[] {s.x() + 0.5, s.y() + 0.5, s.z() + 0.5},
        new double[] {s.score(), s.contrast(), s.voxels(), s.preVesicles()},
        new long[][] {
          s.pre() == 0 ? new long[0] : new long[] {s.pre()},
          s.post() == 0 ? new long[0] : new long[] {s.post()}
        });
  }

  /**
   * Writes the table and the annotation collection of every site.
   *
   * @param runDir the run folder
   * @param stepOutputDir the step's output folder
   * @param units units (blocks) of the step
   * @param paramsHash the step's params hash (names the block files)
   * @param volume the aligned volume's size, voxels (the annotations' bounds)
   * @param spatialLimit most annotations per spatial index cell and level
   * @return sites written
   */
  public static int build(
      Path runDir, Path stepOutputDir, long units, String paramsHash, Vec3 volume, int spatialLimit)
      throws IOException {
    return build(
        runDir, stepOutputDir, units, paramsHash, volume, spatialLimit, Sharding.UNSHARDED);
  }

  /**
   * When the annotation indexes are sharded: {@code mode} {@code auto} shards once the by-id and
   * related-object indexes together would hold more than {@code above} files unsharded; shards hold
   * about {@code idsPerShard} keys (murmurhash3_x86_128 over the ids, Morton codes over the spatial
   * cells).
   */
  public record Sharding(String mode, long above, long idsPerShard) {
    public static final Sharding UNSHARDED = new Sharding("never", 0, 1);

    /** Files of the by-id and related-object indexes above which {@code auto} shards. */
    public static final long DEFAULT_ABOVE = 100;

    /** Keys per shard by default. */
    public static final long DEFAULT_IDS_PER_SHARD = 16_384;

    boolean shards(long keys) {
      return switch (mode) {
        case "always" -> true;
        case "never" -> false;
        default -> keys > above;
      };
    }
  }

  /** As {@link #build(Path, Path, long, String, Vec3, int)}, sharded per {@code sharding}. */
  public static int build(
      Path runDir,
      Path stepOutputDir,
      long units,
      String paramsHash,
      Vec3 volume,
      int spatialLimit,
      Sharding sharding)
      throws IOException {
    Set<Long> segments = new HashSet<>();
    List<Entry> entries = collect(stepOutputDir, units, paramsHash, segments);
    double[] resolution =
        PrecomputedVolume.open(RunVolumes.aligned(runDir)).info().scale(0).resolution();
    StringBuilder t = new StringBuilder(HEADER).append('\n');
    List<Annotations.Point> points = new ArrayList<>();
    for (Entry e : entries) {
      appendRow(t, e);
      points.add(point(e));
    }
    Annotations.Schema schema = schema(resolution);
    AnnotationsWriter writer =
        new AnnotationsWriter(
            schema,
            new double[] {0, 0, 0},
            new double[] {volume.x(), volume.y(), volume.z()},
            spatialLimit);
    // unsharded: a by_id file per site and a file per segment per relationship
    long files = points.size() + 2L * segments.size();
    if (sharding.shards(files)) {
      writer = writer.sharded(sharding.idsPerShard());
    }
    writer.write(runDir.resolve(FOLDER), points, segments);
    // the table last: its presence says the annotations are complete
    AtomicFiles.writeIfChanged(
        stepOutputDir.resolve(TABLE), t.toString().getBytes(StandardCharsets.UTF_8));
    return entries.size();
  }

  /** Appends {@code e}'s row of the table. */
  static void appendRow(StringBuilder t, Entry e) {
    Site s = e.site();
    t.append(
        String.format(
            Locale.ROOT,
            "%d\t%.2f\t%.2f\t%d\t%.3f\t%s\t%s\t%d\t%.2f\t%d\t%d%n",
            e.id(),
            s.x(),
            s.y(),
            s.z(),
            s.score(),
            Long.toUnsignedString(s.pre()),
            Long.toUnsignedString(s.post()),
            s.voxels(),
            s.contrast(),
            s.preVesicles(),
            s.postVesicles()));
  }

  private static final java.util.regex.Pattern PART =
      java.util.regex.Pattern.compile("synapses-(\\d+)-of-(\\d+)\\.tsv");

  /**
   * The table files of the detect step's output folder: {@code synapses.tsv} (one index unit, or
   * the last block) or the parts {@code synapses-<u>-of-<n>.tsv} of an index of {@code n} units.
   * When several are there (the index was rebuilt another way), the most recently written complete
   * set; an incomplete set of parts is never read.
   *
   * @throws java.nio.file.NoSuchFileException when there is no complete table
   */
  public static List<Path> tables(Path detectOutputDir) throws IOException {
    Map<Long, List<Path>> parts = new java.util.TreeMap<>();
    if (Files.isDirectory(detectOutputDir)) {
      try (java.util.stream.Stream<Path> s = Files.list(detectOutputDir)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          java.util.regex.Matcher m = PART.matcher(p.getFileName().toString());
          if (m.matches()) {
            parts.computeIfAbsent(Long.parseLong(m.group(2)), k -> new ArrayList<>()).add(p);
          }
        }
      }
    }
    List<Path> best = null;
    long bestTime = Long.MIN_VALUE;
    Path single = detectOutputDir.resolve(TABLE);
    if (Files.isRegularFile(single)) {
      best = List.of(single);
      bestTime = Files.getLastModifiedTime(single).toMillis();
    }
    for (Map.Entry<Long, List<Path>> e : parts.entrySet()) {
      if (e.getValue().size() != e.getKey()) {
        continue;
      }
      long t = 0;
      for (Path p : e.getValue()) {
        t = Math.max(t, Files.getLastModifiedTime(p).toMillis());
      }
      if (t >= bestTime) {
        best = new ArrayList<>();
        for (long u = 0; u < e.getKey(); u++) {
          best.add(detectOutputDir.resolve(IndexPartition.tablePart(u, e.getKey())));
        }
        bestTime = t;
      }
    }
    if (best == null) {
      throw new java.nio.file.NoSuchFileException(
          single.toString(), null, "no synapses.tsv nor a complete set of synapses-<u>-of-<n>.tsv");
    }
    return best;
  }

  /** Every row of the detect step's table ({@link #tables}). */
  public static List<Entry> readTables(Path detectOutputDir) throws IOException {
    List<Entry> out = new ArrayList<>();
    for (Path p : tables(detectOutputDir)) {
      out.addAll(readTable(p));
    }
    return out;
  }

  /** Reads {@code synapses.tsv}. */
  public static List<Entry> readTable(Path file) throws IOException {
    List<Entry> out = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      if (line.isBlank() || line.startsWith("id\t")) {
        continue;
      }
      String[] f = line.split("\t");
      if (f.length < 11) {
        throw new IOException(
            file + ":" + n + ": " + f.length + " columns, expected 11 (" + HEADER + ")");
      }
      try {
        out.add(
            new Entry(
                Long.parseLong(f[0]),
                new Site(
                    Double.parseDouble(f[1]),
                    Double.parseDouble(f[2]),
                    Integer.parseInt(f[3]),
                    Double.parseDouble(f[4]),
                    Long.parseUnsignedLong(f[5]),
                    Long.parseUnsignedLong(f[6]),
                    Integer.parseInt(f[7]),
                    Double.parseDouble(f[8]),
                    Integer.parseInt(f[9]),
                    Integer.parseInt(f[10]))));
      } catch (NumberFormatException e) {
        throw new IOException(file + ":" + n + ": " + e.getMessage(), e);
      }
    }
    return out;
  }
}
