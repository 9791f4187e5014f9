package org.connectome.simulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.imaging.MultiSem;

/** Writes the ground-truth tables, {@code volume.json} and {@code README.md}. */
final class GroundTruthWriter {
  static final String FORMAT = "connectome-simulator ground truth 1";

  private GroundTruthWriter() {}

  /** Writes everything but the per-section planes; returns the number of fault rows. */
  static int write(
      AcquisitionPlan plan,
      TissueModel tissue,
      SimulatedMicroscope.CellStats stats,
      Path acq,
      Path gt)
      throws IOException {
    SimulationParams p = plan.params();
    String acqName = acq.getFileName().toString();

    StringBuilder tiles =
        new StringBuilder(
            "section\tmfov\tbeam\tfile\tstatus\tstage_x\tstage_y\tnominal_x\t"
                + "nominal_y\ttrue_x\ttrue_y\tgain\toffset\tnoise\ttime\n");
    StringBuilder sections =
        new StringBuilder(
            "section\tz\tfolder\tdrift_x\tdrift_y\trotation_deg\tstage_origin_x\t"
                + "stage_origin_y\tstart\tfull_image_coordinates\tthumbnails_only\n");
    StringBuilder faults = new StringBuilder("section\tfile\tkind\tdetail\n");
    int faultRows = 0;
    int tilesListed = 0;
    int tileFiles = 0;
    for (AcquisitionPlan.Section s : plan.sections()) {
      sections
          .append(s.section())
          .append('\t')
          .append(s.z())
          .append('\t')
          .append(s.folder())
          .append('\t')
          .append(f3(s.driftX()))
          .append('\t')
          .append(f3(s.driftY()))
          .append('\t')
          .append(String.format(Locale.ROOT, "%.6f", s.rotationDeg()))
          .append('\t')
          .append(f3(s.stageOriginX()))
          .append('\t')
          .append(f3(s.stageOriginY()))
          .append('\t')
          .append(MultiSem.timestamp(s.start()))
          .append('\t')
          .append(s.noFullCoordinates() || s.thumbnailsOnly() ? "absent" : "present")
          .append('\t')
          .append(s.thumbnailsOnly() ? "yes" : "no")
          .append('\n');
      if (s.thumbnailsOnly()) {
        faults
            .append(s.section())
            .append('\t')
            .append(s.folder())
            .append("/\tthumbnails-only\t")
            .append(
                "only thumbnails (and full_thumbnail_coordinates.txt, metadata.txt) are present: no tiles, no ")
            .append("image coordinate files; ")
            .append(s.tiles().size())
            .append(" tiles in tiles.tsv\n");
        faultRows++;
      }
      if (s.noFullCoordinates()) {
        faults
            .append(s.section())
            .append('\t')
            .append(s.folder())
            .append('/')
            .append(MultiSem.FULL_IMAGE_COORDINATES)
            .append("\tno-full-coordinates\t")
            .append(
                "section coordinate file absent; every mFoV's image_coordinates.txt is present\n");
        faultRows++;
      }
      for (AcquisitionPlan.Tile t : s.tiles()) {
        String file = s.folder() + "/" + t.mfovFolder() + "/" + t.fileName();
        tilesListed++;
        tileFiles += t.status().fileWritten() ? 1 : 0;
        tiles
            .append(t.section())
            .append('\t')
            .append(t.mfov())
            .append('\t')
            .append(t.beam())
            .append('\t')
            .append(file)
            .append('\t')
            .append(t.status().label())
            .append('\t')
            .append(f3(t.stageX()))
            .append('\t')
            .append(f3(t.stageY()))
            .append('\t')
            .append(f3(t.nominalX()))
            .append('\t')
            .append(f3(t.nominalY()))
            .append('\t')
            .append(f3(t.trueX()))
            .append('\t')
            .append(f3(t.trueY()))
            .append('\t')
            .append(String.format(Locale.ROOT, "%.5f", t.gain()))
            .append('\t')
            .append(String.format(Locale.ROOT, "%.3f", t.offset()))
            .append('\t')
            .append(String.format(Locale.ROOT, "%.3f", t.noise()))
            .append('\t')
            .append(MultiSem.timestamp(t.time()))
            .append('\n');
        String kind =
            switch (t.status()) {
              case MISSING -> "missing";
              case TRUNCATED -> "truncated";
              case CORRUPT -> "corrupt";
              case SUPERSEDED -> "reimaged";
              default -> null;
            };
        if (kind != null) {
          faults
              .append(s.section())
              .append('\t')
              .append(file)
              .append('\t')
              .append(kind)
              .append('\t')
              .append(t.detail())
              .append('\n');
          faultRows++;
        }
      }
      for (AcquisitionPlan.ExtraFile e : s.extras()) {
        faults
            .append(s.section())
            .append('\t')
            .append(s.folder())
            .append('/')
            .append(e.relativePath())
            .append("\textra\t")
            .append(e.description())
            .append('\n');
        faultRows++;
      }
    }

    StringBuilder cells =
        new StringBuilder(
            "id\tkind\tradius\tends_inside\tvoxels\tx_min\tx_max\ty_min\ty_max\tz_min\tz_max\n");
    int cellsWithVoxels = 0;
    for (int c = 1; c <= tissue.cellCount; c++) {
      boolean any = stats.voxels[c] > 0;
      cellsWithVoxels += any ? 1 : 0;
      cells
          .append(c)
          .append('\t')
          .append(tissue.kind(c, p))
          .append('\t')
          .append(f3(tissue.cellRadius[c]))
          .append('\t')
          .append(tissue.cellEnds[c] ? "yes" : "no")
          .append('\t')
          .append(stats.voxels[c]);
      if (any) {
        cells
            .append('\t')
            .append(stats.minX[c])
            .append('\t')
            .append(stats.maxX[c])
            .append('\t')
            .append(stats.minY[c])
            .append('\t')
            .append(stats.maxY[c])
            .append('\t')
            .append(stats.minZ[c])
            .append('\t')
            .append(stats.maxZ[c])
            .append('\n');
      } else {
        cells.append("\t\t\t\t\t\t\n");
      }
    }

    double zs = tissue.zScale;
    StringBuilder syn =
        new StringBuilder(
            "id\tx\ty\tz\tpre\tpost\tnormal_x\tnormal_y\tnormal_z\tradius\tvesicles\n");
    for (TissueModel.Synapse s : tissue.synapses) {
      syn.append(s.id())
          .append('\t')
          .append(f3(s.x()))
          .append('\t')
          .append(f3(s.y()))
          .append('\t')
          .append(Math.round(s.z() / zs))
          .append('\t')
          .append(s.pre())
          .append('\t')
          .append(s.post())
          .append('\t')
          .append(f4(s.nx()))
          .append('\t')
          .append(f4(s.ny()))
          .append('\t')
          .append(f4(s.nz()))
          .append('\t')
          .append(f3(s.radius()))
          .append('\t')
          .append(s.vesicles())
          .append('\n');
    }
    StringBuilder mito =
        new StringBuilder("id\tcell\tx\ty\tz\taxis_x\taxis_y\taxis_z\thalf_length\tradius\n");
    for (TissueModel.Mito m : tissue.mitos) {
      mito.append(m.id())
          .append('\t')
          .append(m.cell())
          .append('\t')
          .append(f3(m.x()))
          .append('\t')
          .append(f3(m.y()))
          .append('\t')
          .append(f3(m.z() / zs))
          .append('\t')
          .append(f4(m.ux()))
          .append('\t')
          .append(f4(m.uy()))
          .append('\t')
          .append(f4(m.uz()))
          .append('\t')
          .append(f3(m.halfLength()))
          .append('\t')
          .append(f3(m.radius()))
          .append('\n');
    }

    write(gt.resolve("tiles.tsv"), tiles);
    write(gt.resolve("sections.tsv"), sections);
    write(gt.resolve("faults.tsv"), faults);
    write(gt.resolve("cells.tsv"), cells);
    write(gt.resolve("synapses.tsv"), syn);
    write(gt.resolve("mitochondria.tsv"), mito);

    Map<String, Object> volume = new LinkedHashMap<>();
    volume.put("format", FORMAT);
    volume.put("preset", p.preset());
    volume.put("seed", p.seed());
    if (!p.appearance().classic()) {
      volume.put("appearance", p.appearance());
    }
    volume.put("acquisition", acqName);
    volume.put(
        "volume",
        orderedMap("width", plan.width(), "height", plan.height(), "sections", p.sections()));
    volume.put(
        "voxelSizeNm",
        orderedMap("x", p.pixelSizeNm(), "y", p.pixelSizeNm(), "z", p.sectionThicknessNm()));
    String labels =
        switch (p.labels()) {
          case RAW -> "labels/z%04d.raw";
          case GZIP -> "labels/z%04d.raw.gz";
          case NONE -> null;
        };
    Map<String, Object> lab = new LinkedHashMap<>();
    lab.put("files", labels);
    lab.put("dataType", "uint32");
    lab.put("byteOrder", "little-endian");
    lab.put("order", "x fastest, then y; one file per section z (from 0)");
    lab.put("background", "none: every voxel belongs to a cell (ids from 1)");
    volume.put("labels", lab);
    volume.put("sectionImages", p.sectionImages() ? "images/z%04d.bmp" : null);
    Map<String, Object> tiling = new LinkedHashMap<>();
    tiling.put("tileWidth", p.tileWidth());
    tiling.put("tileHeight", p.tileHeight());
    tiling.put("overlap", p.overlap());
    tiling.put("beams", p.beams());
    tiling.put("mfovsPerSection", p.mfovs());
    tiling.put("beamSpacingX", plan.spacingX());
    tiling.put("beamSpacingY", plan.spacingY());
    tiling.put("thumbnailScale", p.thumbnailScale());
    tiling.put("rotationCentre", List.of(plan.centreX(), plan.centreY()));
    tiling.put("margin", plan.margin());
    volume.put("tiling", tiling);
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("cells", cellsWithVoxels);
    counts.put("synapses", tissue.synapses.size());
    counts.put("vesicles", tissue.vesicles.size());
    counts.put("mitochondria", tissue.mitos.size());
    counts.put("tilesListed", tilesListed);
    counts.put("tileFiles", tileFiles);
    counts.put("faults", faultRows);
    volume.put("counts", counts);
    volume.put("params", p);
    Files.writeString(
        gt.resolve("volume.json"), SimulatedMicroscope.json(volume), StandardCharsets.UTF_8);

    Map<String, String> values = new LinkedHashMap<>();
    values.put("acquisition", acqName);
    values.put("width", Integer.toString(plan.width()));
    values.put("height", Integer.toString(plan.height()));
    values.put("sections", Integer.toString(p.sections()));
    values.put("cx", f3(plan.centreX()));
    values.put("cy", f3(plan.centreY()));
    values.put("pixel", f3(p.pixelSizeNm()));
    values.put("thickness", f3(p.sectionThicknessNm()));
    values.put("scale", Integer.toString(p.thumbnailScale()));
    values.put("labels", labels == null ? "(not written for this acquisition)" : labels);
    String readme = SimulatedMicroscope.readmeTemplate();
    for (Map.Entry<String, String> e : values.entrySet()) {
      readme = readme.replace("{{" + e.getKey() + "}}", e.getValue());
    }
    Files.writeString(gt.resolve("README.md"), readme, StandardCharsets.UTF_8);
    return faultRows;
  }

  private static Map<String, Object> orderedMap(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static void write(Path f, StringBuilder b) throws IOException {
    Files.writeString(f, b, StandardCharsets.UTF_8);
  }

  static String f3(double v) {
    return SimulatedMicroscope.coord(v);
  }

  static String f4(double v) {
    String s = String.format(Locale.ROOT, "%.4f", v);
    return s.equals("-0.0000") ? "0.0000" : s;
  }
}
