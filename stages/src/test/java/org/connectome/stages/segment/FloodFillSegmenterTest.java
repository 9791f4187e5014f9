package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.connectome.stages.precomputed.LabelVolume;
import org.junit.jupiter.api.Test;

/** The reference segmentation on synthetic tissue whose cells the test knows. */
class FloodFillSegmenterTest {
  static LabelVolume segment(SyntheticTissue t) throws InterruptedException {
    return new FloodFillSegmenter(SegmentParams.DEFAULTS).segment(t.image);
  }

  @Test
  void findsEveryCellThroughTheSectionsWithBoundariesOnTheMembranes() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.drift = 2; // cells move 2 px per section: linking must follow them
    SyntheticTissue t = SyntheticTissue.generate(200, 160, 8, o);
    LabelVolume l = segment(t);
    // boundary voxels may go either way (membranes are 3 px wide and noisy); whole cells may not
    SegmentationMetrics.Result r = t.scoreInside(l.data(), 12);
    assertTrue(r.viSplit() < 0.1, "split " + r.viSplit());
    assertTrue(r.viMerge() < 0.1, "merge " + r.viMerge());
    assertTrue(r.arand() < 0.02, "arand " + r.arand());
    Map<Integer, Double> shares = t.majorityShares(l.data(), 12, 500);
    assertTrue(shares.size() >= 15, "cells inside: " + shares.size());
    shares.forEach(
        (cell, share) -> assertTrue(share > 0.95, "cell " + cell + " is split: " + share));
    // every imaged voxel has a segment; labels are consecutive from 1
    Set<Long> ids = new HashSet<>();
    for (long v : l.data()) {
      assertTrue(v > 0);
      ids.add(v);
    }
    assertEquals(ids.size(), java.util.Collections.max(ids));
  }

  @Test
  void aMitochondrionDoesNotSplitItsCellAndUnimagedVoxelsStayZero() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.mitoX = 100;
    o.mitoY = 80;
    o.mitoRadius = 7;
    o.hole = new int[] {0, 60, 0, 50};
    SyntheticTissue t = SyntheticTissue.generate(200, 160, 5, o);
    LabelVolume l = segment(t);
    int nx = t.nx;
    int ny = t.ny;
    for (int z = 0; z < t.nz; z++) {
      int cell = t.truth[100 + nx * (80 + ny * z)];
      Map<Long, Integer> votes = new HashMap<>();
      int n = 0;
      for (int i = nx * ny * z; i < nx * ny * (z + 1); i++) {
        if (t.truth[i] == cell) {
          votes.merge(l.data()[i], 1, Integer::sum);
          n++;
        }
      }
      int top = votes.values().stream().max(Integer::compare).orElse(0);
      assertTrue(top > 0.95 * n, "section " + z + ": the mitochondrion's cell is split " + votes);
      assertEquals(
          votes.entrySet().stream().filter(e -> e.getValue() == top).findFirst().get().getKey(),
          l.get(100, 80, z),
          "the mitochondrion belongs to its cell");
      for (int y = 0; y < 50; y++) {
        for (int x = 0; x < 60; x++) {
          assertEquals(0, l.get(x, y, z), "unimaged voxel " + x + "," + y + "," + z);
        }
      }
    }
    SegmentationMetrics.Result r = t.scoreInside(l.data(), 12);
    assertTrue(r.vi() < 0.2, "vi " + r.vi());
  }

  @Test
  void linksAcrossASectionWithAMissingTile() throws Exception {
    SyntheticTissue.Options o = new SyntheticTissue.Options();
    o.drift = 1;
    SyntheticTissue t = SyntheticTissue.generate(160, 120, 5, o);
    // section 2 loses a tile over the whole middle: cells there are seen in sections 0, 1, 3 and 4
    // only
    byte[] img = t.image.data();
    for (int y = 20; y < 100; y++) {
      for (int x = 20; x < 140; x++) {
        int i = x + 160 * (y + 120 * 2);
        img[i] = 0;
        t.truth[i] = 0;
      }
    }
    LabelVolume l = segment(t);
    SegmentationMetrics.Result r = t.scoreInside(l.data(), 12);
    assertTrue(r.viSplit() < 0.1, "split " + r.viSplit() + ": a missing tile cut the neurites");
    t.majorityShares(l.data(), 12, 500)
        .forEach((cell, share) -> assertTrue(share > 0.95, "cell " + cell + ": " + share));
    // the centre cell is one segment above and below the hole
    Set<Long> centre = new HashSet<>();
    for (int z : new int[] {1, 3}) {
      centre.add(l.get(80, 60, z));
    }
    assertEquals(1, centre.size());
  }
}
