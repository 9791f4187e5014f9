package org.connectome.stages.stitch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.SectionFolder;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.BmpException;
import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;

/**
 * The reference {@code stitch.stitch}: unit {@code i} stitches the {@code i}-th section folder from
 * its ingest manifest and writes {@code output/s<iiii>/} (tiles.tsv, montage.raw, montage.json,
 * qc.json; see docs/data-layout.md). Its memory is set by its parameters, not by the section: tiles
 * are read as registration and rendering need them into a cache of {@code tileCacheMb}, and the
 * montage is rendered in blocks of {@code renderBlockPx} straight into {@code montage.raw}. A
 * section failing the QC gate fails its unit for good with the figures in the message (its qc.json
 * is still written, for inspection).
 *
 * <p>Parameters: {@link StitchParams}.
 */
public final class StitchUnitRunner implements UnitRunner {
  private final TaskDefinition def;
  private final StepLayout layout;
  private final SectionStitcher.Params params;
  private final double featherPx;
  private final long tileCacheBytes;
  private final int renderBlockPx;

  public StitchUnitRunner(TaskDefinition def, StepLayout layout) throws BadDefinitionException {
    this.def = def;
    this.layout = layout;
    try {
      this.params = StitchParams.stitcher(def.params());
      this.featherPx = StitchParams.featherPx(def.params());
      this.tileCacheBytes = StitchParams.tileCacheMb(def.params()) << 20;
      this.renderBlockPx = StitchParams.renderBlockPx(def.params());
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
    if (def.acquisition() == null) {
      throw new BadDefinitionException(
          "stitch.stitch needs the run's acquisition folder (the spec's acquisition)");
    }
  }

  /** The output folder of section unit {@code i}. */
  public static Path sectionDir(Path stepOutput, long unit) {
    return stepOutput.resolve(String.format("s%04d", unit));
  }

  @Override
  public void run(UnitContext ctx) throws UnitException, InterruptedException {
    long unit = ctx.unit();
    long t0 = System.nanoTime();
    List<SectionFolder> sections;
    try {
      sections = SectionFolder.list(Path.of(def.acquisition()));
    } catch (IOException e) {
      throw new UnitException("cannot list the acquisition's sections: " + e.getMessage(), true, e);
    }
    if (unit >= sections.size()) {
      throw new UnitException(
          "section unit "
              + unit
              + " does not exist: the acquisition has "
              + sections.size()
              + " section folders",
          false);
    }
    String folder = sections.get((int) unit).name();
    Path manifest = Manifest.of(Path.of(def.runDir()), folder);
    if (!Files.exists(manifest)) {
      throw new UnitException(
          "section "
              + folder
              + " (unit "
              + unit
              + "): no tile manifest "
              + manifest
              + " (was it ingested?)",
          false,
          new java.nio.file.NoSuchFileException(manifest.toString()));
    }
    List<SectionStitcher.Tile> tiles = new ArrayList<>();
    try {
      for (Manifest.Entry e : Manifest.read(manifest)) {
        int w = e.width();
        int h = e.height();
        if (w <= 0 || h <= 0) {
          // a manifest without sizes: the tile's header has them
          Bmp.Header hd = Bmp.readHeader(Path.of(e.path()));
          w = hd.width();
          h = hd.height();
        }
        tiles.add(
            new SectionStitcher.Tile(e.mfov(), e.beam(), e.path(), e.stageX(), e.stageY(), w, h));
      }
      if (tiles.isEmpty()) {
        throw new UnitException(
            "section " + folder + " (unit " + unit + "): the manifest lists no tiles", false);
      }
      CachedTiles source = new CachedTiles(tiles, tileCacheBytes);
      SectionStitcher.Result r = SectionStitcher.stitch(tiles, source, params);
      writeOutputs(ctx, folder, unit, tiles, source, r, t0);
    } catch (BmpException e) {
      throw new UnitException(
          "section " + folder + ": unreadable tile " + e.getMessage(), false, e);
    } catch (IOException e) {
      throw new UnitException(
          "section " + folder + ": cannot read tiles or write outputs: " + e.getMessage(), true, e);
    }
  }

  private void writeOutputs(
      UnitContext ctx,
      String folder,
      long unit,
      List<SectionStitcher.Tile> tiles,
      CachedTiles source,
      SectionStitcher.Result r,
      long t0)
      throws IOException, InterruptedException, UnitException {
    Path out = sectionDir(layout.outputDir(), unit);
    if (!r.qc().passed()) {
      Files.deleteIfExists(out.resolve("montage.raw"));
      Files.deleteIfExists(out.resolve("montage.json"));
      Files.deleteIfExists(out.resolve("tiles.tsv"));
      OutputFiles.writeJson(out.resolve("qc.json"), qcJson(folder, unit, r, source, t0));
      throw new UnitException(
          "section " + folder + " (unit " + unit + ") failed stitching QC: " + r.qc().failure(),
          false);
    }
    MontageRenderer.Frame m = MontageRenderer.frame(tiles, r.x(), r.y());
    List<String> lines = new ArrayList<>();
    lines.add("# mfov\tbeam\tpath\tx\ty");
    for (int i = 0; i < tiles.size(); i++) {
      SectionStitcher.Tile t = tiles.get(i);
      lines.add(
          t.mfov()
              + "\t"
              + t.beam()
              + "\t"
              + t.path()
              + "\t"
              + String.format("%.3f", r.x()[i] - m.originX())
              + "\t"
              + String.format("%.3f", r.y()[i] - m.originY()));
    }
    OutputFiles.writeLines(out.resolve("tiles.tsv"), lines);
    Path raw = out.resolve("montage.raw");
    try (RawMontageFile f = new RawMontageFile(raw, m.width())) {
      MontageRenderer.render(
          tiles, source, r.x(), r.y(), r.gain(), r.offset(), featherPx, m, renderBlockPx, f);
      f.commit();
    }
    ctx.output(raw);
    Map<String, Object> mj = new LinkedHashMap<>();
    mj.put("width", m.width());
    mj.put("height", m.height());
    mj.put("originX", m.originX());
    mj.put("originY", m.originY());
    mj.put("scale", 1);
    mj.put("tileWidth", tiles.get(0).width());
    mj.put("tileHeight", tiles.get(0).height());
    mj.put("section", folder);
    OutputFiles.writeJson(out.resolve("montage.json"), mj);
    OutputFiles.writeJson(out.resolve("qc.json"), qcJson(folder, unit, r, source, t0));
  }

  @Override
  public void close() {}

  private Map<String, Object> qcJson(
      String folder, long unit, SectionStitcher.Result r, CachedTiles source, long t0) {
    SectionStitcher.Qc q = r.qc();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("section", folder);
    m.put("unit", unit);
    m.put("pairs", q.pairs());
    m.put("used", q.used());
    m.put("outliers", q.outliers());
    m.put("residualMedianPx", Stats.r3(q.residualMedianPx()));
    m.put("residualP95Px", Stats.r3(q.residualP95Px()));
    m.put("residualMaxPx", Stats.r3(q.residualMaxPx()));
    m.put("tiles", q.tiles());
    m.put("registered", q.registered());
    m.put("rejected", q.rejected());
    m.put("unplacedTiles", q.unplacedTiles());
    m.put("qcStatistic", params.qcStatistic());
    m.put("maxResidualPx", params.maxResidualPx());
    m.put("passed", q.passed());
    if (q.failure() != null) {
      m.put("failure", q.failure());
    }
    List<Map<String, Object>> rejected = new ArrayList<>();
    for (SectionStitcher.Pair p : r.pairs()) {
      if (!p.registration().accepted() || p.outlier()) {
        Map<String, Object> x = new LinkedHashMap<>();
        SectionStitcher.Tile a = r.tiles().get(p.a());
        SectionStitcher.Tile b = r.tiles().get(p.b());
        x.put("a", a.mfov() + "/" + a.beam());
        x.put("b", b.mfov() + "/" + b.beam());
        x.put(
            "reason",
            p.outlier()
                ? String.format("outlier (residual %.2f px)", p.residualPx())
                : p.registration().reason());
        rejected.add(x);
      }
    }
    m.put("rejectedPairs", rejected.size() > 200 ? rejected.subList(0, 200) : rejected);
    // tile files read, a tile evicted from the cache and needed again counting again
    m.put("tileReads", source.reads());
    m.put("seconds", Stats.r3((System.nanoTime() - t0) / 1e9));
    return m;
  }
}
