package org.connectome.stages.stitch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PhaseCorrelationTest {

  /** The peaks of one image pair, as the sequential code finds them. */
  private static List<PhaseCorrelation.Peak> peaks(FloatImage a, int shift) {
    int w = 128;
    int h = 128;
    float[] pa = new float[w * h];
    float[] pb = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        pa[y * w + x] = a.get(x + 20, y + 20);
        pb[y * w + x] = a.get(x + 20 + shift, y + 20 + shift / 2);
      }
    }
    return PhaseCorrelation.peaks(
        PhaseCorrelation.prepare(pa, w, h, 12), PhaseCorrelation.prepare(pb, w, h, 12), w, h, 3, 2);
  }

  @Test
  void correlationsOnManyThreadsAtOnceGiveTheSequentialPeaks() throws Exception {
    // tasks run as threads of one JVM (the thread launcher) share the cached transform plans: a
    // plan's scratch space shared between threads once gave alignments that were wrong by pixels
    FloatImage tissue = Textures.tissue(200, 200, 7);
    int pairs = 16;
    List<List<PhaseCorrelation.Peak>> sequential = new ArrayList<>();
    for (int k = 0; k < pairs; k++) {
      sequential.add(peaks(tissue, k % 9 - 4));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 5; round++) {
        List<Future<List<PhaseCorrelation.Peak>>> concurrent = new ArrayList<>();
        for (int k = 0; k < pairs; k++) {
          int shift = k % 9 - 4;
          concurrent.add(pool.submit(() -> peaks(tissue, shift)));
        }
        for (int k = 0; k < pairs; k++) {
          assertEquals(sequential.get(k), concurrent.get(k).get(), "pair " + k + " round " + round);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
