package org.connectome.stages.synapses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.connectome.pipeline.Box;
import org.connectome.pipeline.Vec3;
import org.connectome.stages.precomputed.ByteVolume;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reference detector on synthetic tissue whose synapses, pre and post cells are known. */
class SynapseDetectorTest {
  static final int NX = 400;
  static final int NY = 320;
  static final int NZ = 12;
  static SyntheticTissue tissue;
  static Box all;

  /**
   * Synapses on vertical cell borders (every 40 px), away from corners and decoys; one without
   * vesicles.
   */
  static List<SyntheticTissue.Spec> specs() {
    return List.of(
        new SyntheticTissue.Spec(2, 100, 5, true, 14, 15),
        new SyntheticTissue.Spec(4, 180, 6, false, 12, 18),
        new SyntheticTissue.Spec(6, 260, 5, true, 16, 15),
        new SyntheticTissue.Spec(8, 140, 6, false, 13, 15),
        new SyntheticTissue.Spec(3, 220, 6, false, 15, 0));
  }

  @BeforeAll
  static void tissue() {
    tissue = SyntheticTissue.build(NX, NY, NZ, 40, 40, specs(), true, 7);
    all = new Box(new Vec3(0, 0, 0), new Vec3(NX, NY, NZ));
  }

  static GreyLevels levels() {
    return GreyLevels.of(all, tissue.image, GreyLevels.Settings.of(DetectParams.defaults(), 4096));
  }

  /**
   * Pairs each true synapse with a detection within 3 voxels in the plane and one section;
   * unmatched: null.
   */
  static List<Site> matches(List<Site> found) {
    List<Site> out = new ArrayList<>();
    List<Site> left = new ArrayList<>(found);
    for (SyntheticTissue.Synapse s : tissue.synapses) {
      Site best = null;
      for (Site f : left) {
        double d = Math.hypot(f.x() - s.x(), f.y() - s.y());
        if (d <= 3
            && Math.abs(f.z() - s.z()) <= 1
            && (best == null || d < Math.hypot(best.x() - s.x(), best.y() - s.y()))) {
          best = f;
        }
      }
      left.remove(best);
      out.add(best);
    }
    return out;
  }

  @Test
  void findsEverySynapseOnceWithItsPreAndPostCells() throws Exception {
    List<Site> found =
        new SynapseDetector(DetectParams.defaults())
            .detect(all, tissue.image, tissue.labels, NZ, levels());
    List<Site> matched = matches(found);
    int hits = 0;
    for (int i = 0; i < matched.size(); i++) {
      SyntheticTissue.Synapse truth = tissue.synapses.get(i);
      Site s = matched.get(i);
      if (s == null) {
        continue;
      }
      hits++;
      assertEquals(truth.pre(), s.pre(), "pre of synapse " + i + ": " + s);
      assertEquals(truth.post(), s.post(), "post of synapse " + i + ": " + s);
      assertTrue(s.score() > 0 && s.score() <= 1, s.toString());
    }
    // recall and precision 1: five synapses, the thick membrane-dark band and the mitochondrion are
    // not synapses
    assertEquals(tissue.synapses.size(), hits, "found " + found);
    assertEquals(tissue.synapses.size(), found.size(), "found " + found);
    // the synapse without vesicles: pre and post from the post-synaptic density's side
    Site plain = matched.get(4);
    assertEquals(0, plain.preVesicles(), plain.toString());
    // the others: vesicles counted on the pre-synaptic side
    for (int i = 0; i < 4; i++) {
      assertTrue(matched.get(i).preVesicles() >= 3, matched.get(i).toString());
      assertTrue(
          matched.get(i).preVesicles() > matched.get(i).postVesicles(), matched.get(i).toString());
    }
  }

  /**
   * The same tissue imaged with other grey levels (a dimmer or brighter stain, less or more
   * contrast, a gamma): the thresholds follow each tile's measured contrast, so the same synapses
   * are found with the same pre and post cells, and nothing else.
   */
  @ParameterizedTest(name = "grey = {1} + {0} x grey, then gamma {2}")
  @CsvSource({"0.5, 40, 1.0", "0.35, 120, 1.0", "1.3, -40, 1.0", "1.0, 0, 0.6", "0.8, 20, 1.5"})
  void findsTheSameSynapsesUnderOtherGreyLevels(double gain, double offset, double gamma)
      throws Exception {
    ByteVolume restained = new ByteVolume(NX, NY, NZ);
    byte[] in = tissue.image.data();
    for (int i = 0; i < in.length; i++) {
      double g = 255 * Math.pow((in[i] & 0xff) / 255.0, gamma);
      restained.data()[i] = (byte) Math.max(8, Math.min(255, Math.round(offset + gain * g)));
    }
    GreyLevels lv =
        GreyLevels.of(all, restained, GreyLevels.Settings.of(DetectParams.defaults(), 4096));
    List<Site> found =
        new SynapseDetector(DetectParams.defaults()).detect(all, restained, tissue.labels, NZ, lv);
    List<Site> matched = matches(found);
    assertEquals(tissue.synapses.size(), found.size(), "found " + found);
    for (int i = 0; i < matched.size(); i++) {
      Site s = matched.get(i);
      assertTrue(s != null, "synapse " + i + " not found in " + found);
      assertEquals(tissue.synapses.get(i).pre(), s.pre(), "pre of synapse " + i + ": " + s);
      assertEquals(tissue.synapses.get(i).post(), s.post(), "post of synapse " + i + ": " + s);
    }
  }

  @Test
  void withoutSegmentationSitesHaveNoPreOrPost() throws Exception {
    List<Site> found =
        new SynapseDetector(DetectParams.defaults()).detect(all, tissue.image, null, NZ, levels());
    assertEquals(tissue.synapses.size(), found.size(), found.toString());
    for (Site s : found) {
      assertEquals(0, s.pre());
      assertEquals(0, s.post());
    }
    assertTrue(matches(found).stream().allMatch(s -> s != null), found.toString());
  }

  @Test
  void aCleftNoDarkerThanMembranesIsNotASite() throws Exception {
    // the same tissue with the cleft drawn at the membranes' grey: only the decoys' kind of band is
    // left
    SyntheticTissue pale = SyntheticTissue.build(NX, NY, NZ, 40, 40, List.of(), true, 7);
    GreyLevels lv =
        GreyLevels.of(all, pale.image, GreyLevels.Settings.of(DetectParams.defaults(), 4096));
    assertEquals(
        List.of(),
        new SynapseDetector(DetectParams.defaults()).detect(all, pale.image, pale.labels, NZ, lv));
  }
}
