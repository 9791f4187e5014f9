package org.connectome.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.connectome.catalog.Catalog;
import org.connectome.catalog.NewRun;
import org.connectome.catalog.ShardProgress;
import org.connectome.catalog.ShardState;
import org.connectome.catalog.StepRegistration;

/**
 * Times the catalog write every shard makes at least twice ({@code Catalog.recordShardProgress})
 * against steps of growing shard counts, on the same H2 file catalog the benchmark uses: it
 * recomputes the step's sums over all of the step's shard rows, so its cost grows with the shards
 * of the step.
 */
public final class CatalogProbe {
  public record Point(long shards, int calls, double millisPerCall) {}

  private CatalogProbe() {}

  public static List<Point> run(Path dir, long[] shardCounts, PrintStream out) throws Exception {
    List<Point> points = new ArrayList<>();
    Files.createDirectories(dir);
    long[] counts = new long[shardCounts.length + 1];
    counts[0] = -100; // a first round to warm the JIT and H2 up, not reported
    System.arraycopy(shardCounts, 0, counts, 1, shardCounts.length);
    for (long signed : counts) {
      long n = Math.abs(signed);
      Path file = dir.resolve("probe-" + signed);
      try (Catalog c = Catalog.open(Catalog.h2FileUrl(file))) {
        String runId = "probe/r" + n;
        c.runs().register(new NewRun(runId, null, null, "{}", "h", "wf"));
        List<ShardProgress> shards = new ArrayList<>();
        for (long s = 0; s < n; s++) {
          shards.add(
              new ShardProgress(
                  runId, "segment", "inference", s, 100, 0, 0, 0, ShardState.PENDING));
        }
        c.progress()
            .registerStep(
                new StepRegistration(
                    runId, "segment", "inference", 0, "h", n * 100, n * 100, n, shards));
        SplittableRandom r = new SplittableRandom(n);
        int warm = 200;
        int calls = 2_000;
        long t0 = 0;
        for (int i = 0; i < warm + calls; i++) {
          if (i == warm) {
            t0 = System.nanoTime();
          }
          long s = r.nextLong(n);
          c.progress()
              .recordShardProgress(
                  new ShardProgress(
                      runId, "segment", "inference", s, 100, 100, 0, 0, ShardState.DONE));
        }
        double ms = (System.nanoTime() - t0) / 1e6 / calls;
        if (signed < 0) {
          continue;
        }
        points.add(new Point(n, calls, ms));
        out.printf(
            Locale.ROOT,
            "[catalog] step of %,7d shards: recordShardProgress %.3f ms per call%n",
            n,
            ms);
      }
    }
    return points;
  }
}
