package org.connectome.stages.align;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.connectome.stages.RealVolumes;
import org.connectome.stages.stitch.FloatImage;
import org.junit.jupiter.api.Test;

/**
 * Alignment on public real EM stacks beside the project ({@code CX_REAL_VOLUMES}, the folders
 * {@code segment-training/real_volume.py} writes; skipped without it): each volume's sections are
 * already registered by its authors, so every true transform is the identity and whatever the solve
 * moves a section by is drift. Neighbour and second-neighbour pairs are registered with the default
 * parameters scaled to the section, as {@code align.pairs} does, and solved as {@code align.solve}
 * does: as they come, with the isotropic stack prior, and with the slow trend removed. Prints the
 * corner displacements and fails unless the trend's removal keeps every volume's median under 1 px
 * and its largest under 2 px.
 */
class RealStackAlignmentTest {
  @Test
  void realStacksAlignWithoutDriftOnceTheTrendIsOut() throws Exception {
    List<Path> dirs = RealVolumes.folders();
    List<String> failures = new ArrayList<>();
    for (Path d : dirs) {
      JsonNode v = new ObjectMapper().readTree(d.resolve("volume.json").toFile());
      int w = v.get("size").get(0).asInt();
      int h = v.get("size").get(1).asInt();
      int n = v.get("size").get(2).asInt();
      byte[] img = Files.readAllBytes(d.resolve("image.raw"));
      List<FloatImage> sections = new ArrayList<>();
      for (int z = 0; z < n; z++) {
        float[] f = new float[w * h];
        for (int i = 0; i < f.length; i++) {
          f[i] = img[z * w * h + i] & 0xff;
        }
        sections.add(new FloatImage(w, h, f));
      }
      MontageRegistration.Params params =
          MontageRegistration.Params.DEFAULT.scaledTo(Math.min(w, h));
      List<RigidStackSolver.PairTransform> pairs = new ArrayList<>();
      for (int k = 0; k + 1 < n; k++) {
        for (int dz = 1; dz <= 2 && k + dz < n; dz++) {
          MontageRegistration.Result r =
              MontageRegistration.register(sections.get(k), sections.get(k + dz), params);
          if (r.inliers() >= params.minMatches()) {
            pairs.add(new RigidStackSolver.PairTransform(k, k + dz, r.transform(), 1));
          }
        }
      }
      String name = d.getFileName().toString();
      StackDriftTest.drift(name, n, pairs, w, h, 0, 0);
      StackDriftTest.drift(name, n, pairs, w, h, AlignSolveRunner.ISOTROPIC_STACK_PRIOR, 0);
      double[] trend =
          StackDriftTest.drift(name, n, pairs, w, h, 0, AlignSolveRunner.ISOTROPIC_STACK_TREND);
      if (!(trend[0] < 1.0 && trend[2] < 2.0)) {
        failures.add(name + ": median " + trend[0] + " px, largest " + trend[2] + " px");
      }
    }
    assertTrue(failures.isEmpty(), String.join("; ", failures));
  }
}
