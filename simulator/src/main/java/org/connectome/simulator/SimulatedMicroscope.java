package org.connectome.simulator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.MultiSem;
import org.connectome.pipeline.Json;

/**
 * A simulated multibeam electron microscope. {@link #generate} builds a synthetic tissue volume
 * with ground truth and "images" it section by section as a MultiSEM acquisition: hexagonal mFoVs
 * of beams, overlapping tiles at stage positions with errors, per-section drift and rotation,
 * per-beam brightness, detector noise, 8-bit BMP tiles and thumbnails, coordinate files with CRLF
 * and backslashes, and optional faults.
 *
 * <p>Everything follows from {@link SimulationParams} and its seed: the same parameters give the
 * same bytes, whatever the number of threads. Sections are produced one after the other (only one
 * section's image and labels are in memory); the tiles of a section are imaged in parallel.
 *
 * <p>The ground truth (labels, synapses, true tile positions, section transforms, faults) is
 * written to {@code ground-truth/} beside the acquisition folder; its {@code README.md} defines
 * every file and frame.
 */
public final class SimulatedMicroscope {
  /** Name of the ground-truth folder, beside the acquisition folder. */
  public static final String GROUND_TRUTH = "ground-truth";

  static final String CRLF = "\r\n";

  private SimulatedMicroscope() {}

  /** {@link #generate(Path, SimulationParams, int)} on every available core. */
  public static SimulationResult generate(Path outDir, SimulationParams p) throws IOException {
    return generate(outDir, p, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Generates an acquisition and its ground truth under {@code outDir}: {@code
   * outDir/<name>_<date>_<time>/} and {@code outDir/ground-truth/}. Neither may exist yet.
   *
   * @throws IllegalArgumentException bad parameters (every problem listed) or an existing output
   *     folder
   */
  /** The parameters of a finished generation, in the ground-truth folder. */
  public static final String PARAMS_FILE = "params.json";

  /** The parameters as canonical JSON: equal parameters give equal text. */
  public static String fingerprint(SimulationParams p) {
    return org.connectome.pipeline.Json.canonical(p) + "\n";
  }

  /** Whether {@code outDir} holds a finished generation with exactly these parameters. */
  public static boolean isGenerated(Path outDir, SimulationParams p) throws IOException {
    Path f = outDir.resolve(GROUND_TRUTH).resolve(PARAMS_FILE);
    return Files.isRegularFile(f) && Files.readString(f).equals(fingerprint(p));
  }

  public static SimulationResult generate(Path outDir, SimulationParams p, int threads)
      throws IOException {
    long started = System.nanoTime();
    AcquisitionPlan plan = new AcquisitionPlan(p);
    Path acq = outDir.resolve(MultiSem.workflowFolder(p.name(), p.acquisitionStart()));
    Path gt = outDir.resolve(GROUND_TRUTH);
    for (Path existing : new Path[] {acq, gt}) {
      if (Files.exists(existing)) {
        throw new IllegalArgumentException(
            existing + " already exists: generate into an empty folder");
      }
    }
    Files.createDirectories(acq);
    Files.createDirectories(gt);

    TissueModel tissue = new TissueModel(p, plan.width(), plan.height());
    tissue.placeMitochondria(p);
    tissue.placeSynapses(p, (z, x, y) -> plan.covered(z, x, y, 20));

    ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
    Writer w = new Writer(plan, tissue, acq, gt);
    try {
      for (AcquisitionPlan.Section s : plan.sections()) {
        w.section(s, pool);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while generating " + acq, e);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      pool.shutdownNow();
    }
    int faults = GroundTruthWriter.write(plan, tissue, w.stats, acq, gt);
    int cells = 0;
    for (int c = 1; c <= tissue.cellCount; c++) {
      cells += w.stats.voxels[c] > 0 ? 1 : 0;
    }
    // written last: its presence says the generation finished, its content with which parameters
    Files.writeString(gt.resolve(PARAMS_FILE), fingerprint(p));
    return new SimulationResult(
        acq,
        gt,
        plan.width(),
        plan.height(),
        p.sections(),
        plan.tileCount(),
        w.tileFiles.get(),
        w.thumbnails.get(),
        cells,
        tissue.synapses.size(),
        tissue.mitos.size(),
        faults,
        w.bytes.get(),
        Duration.ofNanos(System.nanoTime() - started));
  }

  /** Per-cell voxel counts and bounding boxes, accumulated section by section. */
  static final class CellStats {
    final long[] voxels;
    final int[] minX;
    final int[] maxX;
    final int[] minY;
    final int[] maxY;
    final int[] minZ;
    final int[] maxZ;

    CellStats(int cells) {
      voxels = new long[cells + 1];
      minX = new int[cells + 1];
      maxX = new int[cells + 1];
      minY = new int[cells + 1];
      maxY = new int[cells + 1];
      minZ = new int[cells + 1];
      maxZ = new int[cells + 1];
      Arrays.fill(minX, Integer.MAX_VALUE);
      Arrays.fill(minY, Integer.MAX_VALUE);
      Arrays.fill(minZ, Integer.MAX_VALUE);
      Arrays.fill(maxX, -1);
      Arrays.fill(maxY, -1);
      Arrays.fill(maxZ, -1);
    }

    void add(int z, int[] labels, int width) {
      for (int i = 0; i < labels.length; i++) {
        int c = labels[i];
        int x = i % width;
        int y = i / width;
        voxels[c]++;
        if (x < minX[c]) {
          minX[c] = x;
        }
        if (x > maxX[c]) {
          maxX[c] = x;
        }
        if (y < minY[c]) {
          minY[c] = y;
        }
        if (y > maxY[c]) {
          maxY[c] = y;
        }
        if (z < minZ[c]) {
          minZ[c] = z;
        }
        maxZ[c] = Math.max(maxZ[c], z);
      }
    }
  }

  /**
   * Writes sections: ground-truth planes, tiles, thumbnails, coordinate files, metadata, extras.
   */
  private static final class Writer {
    final AcquisitionPlan plan;
    final SimulationParams p;
    final TissueModel tissue;
    final SectionRenderer renderer;
    final Path acq;
    final Path gt;
    final CellStats stats;
    final AtomicLong bytes = new AtomicLong();
    final AtomicInteger tileFiles = new AtomicInteger();
    final AtomicInteger thumbnails = new AtomicInteger();

    Writer(AcquisitionPlan plan, TissueModel tissue, Path acq, Path gt) throws IOException {
      this.plan = plan;
      this.p = plan.params();
      this.tissue = tissue;
      this.renderer = new SectionRenderer(tissue, p);
      this.acq = acq;
      this.gt = gt;
      this.stats = new CellStats(tissue.cellCount);
      if (p.labels() != SimulationParams.LabelsFormat.NONE) {
        Files.createDirectories(gt.resolve("labels"));
      }
      if (p.sectionImages()) {
        Files.createDirectories(gt.resolve("images"));
      }
    }

    void section(AcquisitionPlan.Section s, ForkJoinPool pool)
        throws IOException, InterruptedException {
      int w = plan.width();
      int h = plan.height();
      byte[] image = new byte[w * h];
      int[] labels = new int[w * h];
      renderer.render(s.z(), image, labels, pool);
      stats.add(s.z(), labels, w);
      writeLabels(s.z(), labels);
      if (p.sectionImages()) {
        Bmp.write8(
            gt.resolve("images").resolve(String.format(Locale.ROOT, "z%04d.bmp", s.z())),
            w,
            h,
            image);
      }

      Path dir = acq.resolve(s.folder());
      for (int m = 1; m <= p.mfovs(); m++) {
        Files.createDirectories(dir.resolve(MultiSem.mfovFolder(m)));
      }
      Runnable tiles =
          () ->
              s.tiles().parallelStream()
                  .forEach(
                      t -> {
                        try {
                          writeTile(s, t, image, dir);
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      });
      try {
        pool.submit(tiles).get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new IllegalStateException(e.getCause());
      }
      writeCoordinates(s, dir);
      writeMetadata(s, dir);
      writeExtras(s, dir);
    }

    private void writeLabels(int z, int[] labels) throws IOException {
      if (p.labels() == SimulationParams.LabelsFormat.NONE) {
        return;
      }
      boolean gzip = p.labels() == SimulationParams.LabelsFormat.GZIP;
      Path f =
          gt.resolve("labels")
              .resolve(String.format(Locale.ROOT, "z%04d.raw%s", z, gzip ? ".gz" : ""));
      ByteBuffer row = ByteBuffer.allocate(plan.width() * 4).order(ByteOrder.LITTLE_ENDIAN);
      try (OutputStream raw = Files.newOutputStream(f);
          OutputStream out =
              gzip ? new GZIPOutputStream(raw, 1 << 16) : new BufferedOutputStream(raw, 1 << 16)) {
        for (int y = 0; y < plan.height(); y++) {
          row.clear();
          row.asIntBuffer().put(labels, y * plan.width(), plan.width());
          out.write(row.array());
        }
      }
    }

    private void writeTile(
        AcquisitionPlan.Section s, AcquisitionPlan.Tile t, byte[] image, Path dir)
        throws IOException {
      byte[] pixels = imageTile(plan, s, t, image);
      Path folder = dir.resolve(t.mfovFolder());
      byte[] thumb = thumbnail(pixels, p.tileWidth(), p.tileHeight(), p.thumbnailScale());
      byte[] thumbBytes =
          Bmp.encode8(
              p.tileWidth() / p.thumbnailScale(), p.tileHeight() / p.thumbnailScale(), thumb);
      Files.write(folder.resolve(t.thumbnailName()), thumbBytes);
      bytes.addAndGet(thumbBytes.length);
      thumbnails.incrementAndGet();
      if (!t.status().fileWritten()) {
        return;
      }
      byte[] file = Bmp.encode8(p.tileWidth(), p.tileHeight(), pixels);
      if (t.status() == AcquisitionPlan.Status.TRUNCATED) {
        file = Arrays.copyOf(file, (int) AcquisitionPlan.truncatedLength(file.length, t.fault()));
      } else if (t.status() == AcquisitionPlan.Status.CORRUPT) {
        switch ((int) t.fault()) {
          case 0 -> {
            file[0] = 0;
            file[1] = 0;
          }
          case 1 -> Arrays.fill(file, 0, Bmp.PIXEL_DATA_OFFSET_8, (byte) 0);
          default -> {
            file[28] = 0;
            file[29] = 0;
          }
        }
      }
      Files.write(folder.resolve(t.fileName()), file);
      bytes.addAndGet(file.length);
      tileFiles.incrementAndGet();
    }

    private void writeCoordinates(AcquisitionPlan.Section s, Path dir) throws IOException {
      StringBuilder full = new StringBuilder();
      StringBuilder thumbs = new StringBuilder();
      Map<Integer, StringBuilder> perMfov = new LinkedHashMap<>();
      double scale = p.thumbnailScale();
      for (AcquisitionPlan.Tile t : s.tiles()) {
        full.append(t.mfovFolder())
            .append('\\')
            .append(t.fileName())
            .append('\t')
            .append(coord(t.stageX()))
            .append('\t')
            .append(coord(t.stageY()))
            .append("\t0")
            .append(CRLF);
        thumbs
            .append(t.mfovFolder())
            .append('\\')
            .append(t.thumbnailName())
            .append('\t')
            .append(coord(t.stageX() / scale))
            .append('\t')
            .append(coord(t.stageY() / scale))
            .append("\t0")
            .append(CRLF);
        perMfov
            .computeIfAbsent(t.mfov(), m -> new StringBuilder())
            .append(t.fileName())
            .append('\t')
            .append(coord(t.stageX()))
            .append('\t')
            .append(coord(t.stageY()))
            .append("\t0")
            .append(CRLF);
      }
      // a thumbnails-only section holds thumbnails and their coordinate file, no image coordinate
      // file at all
      if (!s.noFullCoordinates() && !s.thumbnailsOnly()) {
        write(dir.resolve(MultiSem.FULL_IMAGE_COORDINATES), full.toString());
      }
      write(dir.resolve(MultiSem.FULL_THUMBNAIL_COORDINATES), thumbs.toString());
      for (Map.Entry<Integer, StringBuilder> e :
          s.thumbnailsOnly() ? Map.<Integer, StringBuilder>of().entrySet() : perMfov.entrySet()) {
        write(
            dir.resolve(MultiSem.mfovFolder(e.getKey())).resolve(MultiSem.IMAGE_COORDINATES),
            e.getValue().toString());
      }
    }

    private void writeMetadata(AcquisitionPlan.Section s, Path dir) throws IOException {
      List<String[]> kv = new ArrayList<>();
      kv.add(new String[] {"Workflow", acq.getFileName().toString()});
      kv.add(new String[] {"Section", Integer.toString(s.section())});
      kv.add(new String[] {"Region", s.folder()});
      kv.add(new String[] {"Acquisition start", MultiSem.timestamp(s.start())});
      kv.add(new String[] {"Pixel size", String.format(Locale.ROOT, "%.3fnm", p.pixelSizeNm())});
      kv.add(
          new String[] {
            "Section thickness", String.format(Locale.ROOT, "%.3fnm", p.sectionThicknessNm())
          });
      kv.add(
          new String[] {
            "Stage z",
            String.format(Locale.ROOT, "%.3fum", (s.section() - 1) * p.sectionThicknessNm() / 1000)
          });
      kv.add(new String[] {"Number of mFoVs", Integer.toString(p.mfovs())});
      kv.add(new String[] {"Number of beams", Integer.toString(p.beams())});
      kv.add(new String[] {"Tile width", Integer.toString(p.tileWidth())});
      kv.add(new String[] {"Tile height", Integer.toString(p.tileHeight())});
      kv.add(new String[] {"Tile overlap", String.format(Locale.ROOT, "%.3f", p.overlap())});
      kv.add(new String[] {"Thumbnail scale", Integer.toString(p.thumbnailScale())});
      kv.add(new String[] {"Image format", "BMP 8-bit grayscale"});
      kv.add(new String[] {"Coordinates", "tile top-left, stage pixels"});
      StringBuilder b = new StringBuilder();
      for (String[] e : kv) {
        b.append(e[0]).append('\t').append(e[1]).append(CRLF);
      }
      write(dir.resolve(MultiSem.METADATA), b.toString());
    }

    private void writeExtras(AcquisitionPlan.Section s, Path dir) throws IOException {
      for (AcquisitionPlan.ExtraFile e : s.extras()) {
        Path f = dir.resolve(e.relativePath());
        String name = f.getFileName().toString();
        byte[] content;
        SplittableRandom r = Rng.random(p.seed(), "extra-content", s.section(), name.hashCode());
        if (name.endsWith(".bmp")) {
          byte[] px = new byte[32 * 32];
          for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i % 32 * 8);
          }
          content = Bmp.encode8(32, 32, px);
        } else if (name.startsWith("desktop")) {
          content =
              ("[.ShellClassInfo]"
                      + CRLF
                      + "IconResource=C:\\Windows\\System32\\imageres.dll,-3"
                      + CRLF)
                  .getBytes(StandardCharsets.US_ASCII);
        } else if (name.endsWith(".txt")) {
          content =
              ("stage moved to section " + s.section() + CRLF + "focus ok" + CRLF)
                  .getBytes(StandardCharsets.US_ASCII);
        } else {
          content = new byte[100 + r.nextInt(400)];
          r.nextBytes(content);
        }
        Files.write(f, content);
        bytes.addAndGet(content.length);
      }
    }

    private void write(Path f, String text) throws IOException {
      byte[] b = text.getBytes(StandardCharsets.US_ASCII);
      Files.write(f, b);
      bytes.addAndGet(b.length);
    }
  }

  static String coord(double v) {
    String s = String.format(Locale.ROOT, "%.3f", v);
    return s.equals("-0.000") ? "0.000" : s;
  }

  /**
   * The pixels (top-down) of tile {@code t}: the section image sampled bilinearly at the tile's
   * true position, through the section's transform, then {@code 128 + gain (v - 128) + offset +
   * noise}, rounded and clamped.
   */
  static byte[] imageTile(
      AcquisitionPlan plan, AcquisitionPlan.Section s, AcquisitionPlan.Tile t, byte[] image) {
    SimulationParams p = plan.params();
    int tw = p.tileWidth();
    int th = p.tileHeight();
    int w = plan.width();
    int h = plan.height();
    double theta = Math.toRadians(s.rotationDeg());
    double cos = Math.cos(theta);
    double sin = Math.sin(theta);
    double cx = plan.centreX();
    double cy = plan.centreY();
    int version = t.status() == AcquisitionPlan.Status.REIMAGED ? 1 : 0;
    Rng.Normals normals =
        new Rng.Normals(Rng.key(p.seed(), "noise", t.section(), t.mfov(), t.beam(), version));
    double gain = t.gain();
    double offset = t.offset();
    double noise = t.noise();
    byte[] out = new byte[tw * th];
    for (int j = 0; j < th; j++) {
      double sy = t.trueY() + j - cy - s.driftY();
      double sx = t.trueX() - cx - s.driftX();
      double ax = cx + cos * sx + sin * sy;
      double ay = cy - sin * sx + cos * sy;
      for (int i = 0; i < tw; i++) {
        double v = bilinear(image, w, h, ax + cos * i, ay - sin * i);
        double mean = 128 + gain * (v - 128) + offset;
        if (noise > 0) {
          mean += noise * Math.sqrt(Math.max(mean, 1) / 128) * normals.next();
        }
        long q = Math.round(mean);
        out[j * tw + i] = (byte) (q < 0 ? 0 : (q > 255 ? 255 : q));
      }
    }
    return out;
  }

  /** Bilinear sample of an 8-bit image at (x, y) (pixel centres at integers; edges extended). */
  static double bilinear(byte[] img, int w, int h, double x, double y) {
    x = x < 0 ? 0 : (x > w - 1 ? w - 1 : x);
    y = y < 0 ? 0 : (y > h - 1 ? h - 1 : y);
    int x0 = Math.min((int) x, w - 2);
    int y0 = Math.min((int) y, h - 2);
    double fx = x - x0;
    double fy = y - y0;
    int i = y0 * w + x0;
    double a = (img[i] & 0xFF) + fx * ((img[i + 1] & 0xFF) - (img[i] & 0xFF));
    double b = (img[i + w] & 0xFF) + fx * ((img[i + w + 1] & 0xFF) - (img[i + w] & 0xFF));
    return a + fy * (b - a);
  }

  /** Box-average reduction by {@code f} (the last incomplete row/column is dropped). */
  static byte[] thumbnail(byte[] pixels, int w, int h, int f) {
    int tw = w / f;
    int th = h / f;
    byte[] out = new byte[tw * th];
    int area = f * f;
    for (int ty = 0; ty < th; ty++) {
      for (int tx = 0; tx < tw; tx++) {
        int sum = 0;
        for (int y = ty * f; y < ty * f + f; y++) {
          for (int x = tx * f; x < tx * f + f; x++) {
            sum += pixels[y * w + x] & 0xFF;
          }
        }
        out[ty * tw + tx] = (byte) ((sum + area / 2) / area);
      }
    }
    return out;
  }

  /** The ground-truth README template (placeholders {@code {{key}}}). */
  static String readmeTemplate() {
    try (InputStream in = SimulatedMicroscope.class.getResourceAsStream("ground-truth-README.md")) {
      if (in == null) {
        throw new IllegalStateException("ground-truth-README.md missing from the simulator jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String json(Object value) {
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
