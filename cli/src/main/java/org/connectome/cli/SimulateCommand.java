package org.connectome.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.connectome.simulator.SimulatedMicroscope;
import org.connectome.simulator.SimulationParams;
import org.connectome.simulator.SimulationResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code simulate}: a simulated multibeam microscope. Generates synthetic tissue with ground truth
 * and images it as a MultiSEM acquisition ({@code <name>_<date>_<time>/} with sections, mFoVs, BMP
 * tiles, thumbnails and coordinate files) plus {@code ground-truth/} beside it, deterministically
 * from a seed.
 */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Generates a synthetic EM acquisition in the MultiSEM layout (sections, hexagonal mFoVs of "
          + "beams, overlapping 8-bit BMP tiles with stage-position errors, drift, rotation, per-beam brightness and "
          + "noise, thumbnails, coordinate files) and its ground truth (labels, synapses, true tile positions, "
          + "section transforms, faults) in OUT/ground-truth. The same parameters and seed give the same bytes.",
      "Presets: smoke (3 sections, one 7-beam mFoV, 128x112 tiles), demo (16 sections, two 7-beam mFoVs, "
          + "256x224 tiles), bench (20 sections, four 61-beam mFoVs, 256x224 tiles, about 290 MB)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  connectome simulate --preset demo --out work/acquisitions/demo",
      "  connectome simulate --preset smoke --out /tmp/s --seed 7 --fault missing=2 --fault truncated=1",
      "Fault kinds: missing, truncated, corrupt, reimaged, extra, no-full-coordinates, thumbnails-only."
    })
final class SimulateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      defaultValue = "demo",
      description =
          "smoke, demo or bench (default: ${DEFAULT-VALUE}); the options below override it.")
  String preset;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description =
          "Folder to write into: the acquisition folder and ground-truth/ go there (must not exist yet).")
  Path out;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice.")
  Long seed;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Acquisition name (folder <name>_<date>_<time>).")
  String name;

  @Option(
      names = "--start",
      paramLabel = "TIME",
      description =
          "Acquisition start, e.g. 2021-05-25T21:46:49 (timestamps and the folder name follow from it).")
  String start;

  @Option(names = "--sections", paramLabel = "N", description = "Sections.")
  Integer sections;

  @Option(names = "--mfovs", paramLabel = "N", description = "mFoVs per section.")
  Integer mfovs;

  @Option(names = "--beams", paramLabel = "N", description = "Beams per mFoV: 7, 19, 37, 61 or 91.")
  Integer beams;

  @Option(names = "--tile", paramLabel = "WxH", description = "Tile size in pixels, e.g. 256x224.")
  String tile;

  @Option(
      names = "--overlap",
      paramLabel = "F",
      description = "Overlap of neighbouring tiles, fraction (0.08).")
  Double overlap;

  @Option(
      names = "--sigma",
      paramLabel = "PX",
      description = "Per-tile stage-position error sigma, px.")
  Double sigma;

  @Option(
      names = "--mfov-sigma",
      paramLabel = "PX",
      description = "Per-mFoV stage-position error sigma, px.")
  Double mfovSigma;

  @Option(
      names = "--drift",
      paramLabel = "PX",
      description = "Largest per-section drift, px per axis.")
  Double drift;

  @Option(
      names = "--rotation",
      paramLabel = "DEG",
      description = "Largest per-section rotation, degrees.")
  Double rotation;

  @Option(
      names = "--noise",
      paramLabel = "GREY",
      description = "Detector noise sigma at grey 128 (0 = none).")
  Double noise;

  @Option(names = "--cells", paramLabel = "N", description = "Cells (neurites) to place.")
  Integer cells;

  @Option(names = "--synapses", paramLabel = "N", description = "Synapses to place.")
  Integer synapses;

  @Option(
      names = "--fault",
      paramLabel = "KIND=N",
      description =
          "Inject faults, repeatable: missing, truncated, corrupt, reimaged, extra, no-full-coordinates, "
              + "thumbnails-only (e.g. --fault missing=2).")
  List<String> faults = new ArrayList<>();

  @Option(
      names = "--labels",
      paramLabel = "FORMAT",
      description = "Ground-truth labels: raw, gzip or none.")
  String labels;

  @Option(
      names = "--if-missing",
      description =
          "If OUT already holds a finished generation with the same parameters, keep it and exit 0.")
  boolean ifMissing;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Threads (default: all cores); the output does not depend on it.")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter outw = spec.commandLine().getOut();
    SimulationParams p;
    try {
      p = params();
    } catch (IllegalArgumentException e) {
      err.println("simulate: " + e.getMessage());
      err.flush();
      return ExitCodes.USAGE;
    }
    List<String> problems = p.problems();
    if (!problems.isEmpty()) {
      for (String problem : problems) {
        err.println("simulate: " + problem);
      }
      err.println(
          problems.size()
              + (problems.size() == 1 ? " problem" : " problems")
              + "; nothing was generated");
      err.flush();
      return ExitCodes.USAGE;
    }
    int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (n < 1) {
      err.println("simulate: --threads: must be >= 1, got " + n);
      err.flush();
      return ExitCodes.USAGE;
    }
    if (ifMissing && SimulatedMicroscope.isGenerated(out, p)) {
      outw.println(
          "simulate: " + out + " already holds this acquisition (same parameters); keeping it");
      outw.flush();
      return ExitCodes.OK;
    }
    SimulationResult r;
    try {
      r = SimulatedMicroscope.generate(out, p, n);
    } catch (IllegalArgumentException e) {
      err.println("simulate: " + e.getMessage());
      err.flush();
      return ExitCodes.USAGE;
    }
    outw.printf(Locale.ROOT, "acquisition:  %s%n", r.acquisition());
    outw.printf(Locale.ROOT, "ground truth: %s (see its README.md)%n", r.groundTruth());
    outw.printf(
        Locale.ROOT,
        "volume:       %d x %d x %d voxels of %.0f x %.0f x %.0f nm%n",
        r.width(),
        r.height(),
        r.sections(),
        p.pixelSizeNm(),
        p.pixelSizeNm(),
        p.sectionThicknessNm());
    outw.printf(
        Locale.ROOT,
        "tiles:        %d listed, %d files, %d thumbnails, %.1f MB (per section %d x %d "
            + "beams of %d x %d px)%n",
        r.tilesListed(),
        r.tileFiles(),
        r.thumbnails(),
        r.bytes() / 1e6,
        p.mfovs(),
        p.beams(),
        p.tileWidth(),
        p.tileHeight());
    outw.printf(
        Locale.ROOT,
        "tissue:       %d cells, %d synapses, %d mitochondria%n",
        r.cells(),
        r.synapses(),
        r.mitochondria());
    outw.printf(Locale.ROOT, "faults:       %d (ground-truth/faults.tsv)%n", r.faults());
    outw.printf(
        Locale.ROOT,
        "preset %s, seed %d, %.1f s%n",
        p.preset(),
        p.seed(),
        r.elapsed().toMillis() / 1e3);
    outw.flush();
    return ExitCodes.OK;
  }

  private SimulationParams params() {
    SimulationParams.Builder b = SimulationParams.preset(preset).toBuilder();
    if (seed != null) {
      b.seed(seed);
    }
    if (name != null) {
      b.name(name);
    }
    if (start != null) {
      try {
        b.acquisitionStart(LocalDateTime.parse(start));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "--start: '" + start + "' is not a time like 2021-05-25T21:46:49");
      }
    }
    if (sections != null) {
      b.sections(sections);
    }
    if (mfovs != null) {
      b.mfovs(mfovs);
    }
    if (beams != null) {
      b.beams(beams);
    }
    SimulationParams base = b.build();
    if (tile != null) {
      String[] wh = tile.toLowerCase(Locale.ROOT).split("x");
      try {
        if (wh.length != 2) {
          throw new NumberFormatException();
        }
        b.tileSize(Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--tile: '" + tile + "' is not WIDTHxHEIGHT, e.g. 256x224");
      }
    }
    if (overlap != null) {
      b.overlap(overlap);
    }
    if (sigma != null) {
      b.positionSigma(sigma);
    }
    if (mfovSigma != null) {
      b.mfovPositionSigma(mfovSigma);
    }
    if (drift != null) {
      b.maxDrift(drift);
    }
    if (rotation != null) {
      b.maxRotationDeg(rotation);
    }
    if (noise != null) {
      b.noise(noise);
    }
    if (cells != null) {
      b.cells(cells);
    }
    if (synapses != null) {
      b.synapses(synapses);
    }
    SimulationParams.Faults f = base.faults();
    for (String fault : faults) {
      try {
        f = f.with(fault);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--fault: " + e.getMessage());
      }
    }
    b.faults(f);
    if (labels != null) {
      try {
        b.labels(SimulationParams.LabelsFormat.valueOf(labels.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--labels: '" + labels + "' must be raw, gzip or none");
      }
    }
    return b.build();
  }
}
