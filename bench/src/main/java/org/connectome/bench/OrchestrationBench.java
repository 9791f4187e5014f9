package org.connectome.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The orchestration benchmark: runs an H01-shaped plan (or a 10 % or 1 % cube of it) through the
 * real SampleRunWorkflow and StepWorkflow on Temporal's test server, with the real planning, shard
 * and recording activities and a real catalog, and a simulated executor in place of task execution;
 * or, with {@code --naive}, the one-activity-per-unit design at growing unit counts. Writes a JSON
 * and a Markdown report per scale into {@code --out}. Exit code 0 when every run completed and met
 * its structural targets, 1 when a target was missed, 2 on a bad command line.
 */
public final class OrchestrationBench {
  private OrchestrationBench() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(System.out, args));
  }

  public static int run(PrintStream out, String... args) throws Exception {
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("bench: " + e.getMessage());
      }
      System.err.print(BenchOptions.USAGE);
      return e.getMessage().isEmpty() ? 0 : 2;
    }
    if (o.probeCatalog) {
      java.nio.file.Path dir = o.out.toAbsolutePath().resolve("catalog-probe");
      ScaleBench.deleteTree(dir);
      var points = CatalogProbe.run(dir, new long[] {100, 1_256, 3_140, 12_558}, out);
      StringBuilder md =
          new StringBuilder(
              "# Catalog probe: Catalog.recordShardProgress against the shards of a step\n\n"
                  + "| shards in the step | calls | ms per call |\n|--:|--:|--:|\n");
      for (var p : points) {
        md.append(
            String.format(
                java.util.Locale.ROOT,
                "| %,d | %,d | %.3f |%n",
                p.shards(),
                p.calls(),
                p.millisPerCall()));
      }
      java.nio.file.Files.writeString(
          o.out.toAbsolutePath().resolve("bench-catalog-probe.md"), md.toString());
      java.nio.file.Files.writeString(
          o.out.toAbsolutePath().resolve("bench-catalog-probe.json"),
          org.connectome.pipeline.Json.mapper()
                  .writerWithDefaultPrettyPrinter()
                  .writeValueAsString(points)
              + "\n");
      return 0;
    }
    if (o.naive) {
      new NaiveBench(o, out).run();
      return 0;
    }
    List<ScaleReport> reports = new ArrayList<>();
    for (double s : o.scales) {
      ScaleReport r = new ScaleBench(o, out).run(s);
      if (r != null) {
        reports.add(r);
      }
    }
    boolean allMet =
        reports.stream().allMatch(r -> r.targets().stream().allMatch(ScaleReport.Target::met));
    if (!reports.isEmpty()) {
      out.println(allMet ? "all targets met" : "some targets missed (see above)");
      out.println("reports in " + o.out.toAbsolutePath());
    }
    return allMet ? 0 : 1;
  }
}
