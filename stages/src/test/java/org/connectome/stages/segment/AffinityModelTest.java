package org.connectome.stages.segment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.connectome.stages.precomputed.ByteVolume;
import org.junit.jupiter.api.Test;

/**
 * The shipped model in ONNX Runtime gives what the trainer's own network (JAX) gave: {@code
 * segment-training/train} writes {@code model-check.bin}, a fixed input and its output, beside the
 * model.
 */
class AffinityModelTest {
  @Test
  void onnxRuntimeReproducesTheTrainersOutput() throws Exception {
    ByteBuffer b;
    try (InputStream in = AffinityModel.class.getResourceAsStream("model/model-check.bin")) {
      b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
    }
    int[] inShape = {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
    float[] input = new float[inShape[1] * inShape[2] * inShape[3]];
    b.asFloatBuffer().get(input);
    b.position(b.position() + 4 * input.length);
    int[] outShape = {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
    float[] expected = new float[outShape[1] * outShape[2] * outShape[3]];
    b.asFloatBuffer().get(expected);
    assertEquals(4, inShape[1]);
    assertEquals(3, outShape[1]);
    try (AffinityModel m = AffinityModel.load(null, 1, false)) {
      float[] got = m.runRaw(input, inShape[3], inShape[2]);
      assertEquals(expected.length, got.length);
      double worst = 0;
      for (int i = 0; i < got.length; i++) {
        worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      }
      assertTrue(worst < 1e-4, "largest difference " + worst);
    }
  }

  /** Grey values 100..189 in a fixed scramble: an imaged volume with no structure. */
  static byte[] texture(int voxels) {
    byte[] img = new byte[voxels];
    for (int i = 0; i < img.length; i++) {
      img[i] = (byte) (100 + (i * 7919) % 90);
    }
    return img;
  }

  /**
   * The prediction of the shipped model through {@code p} of a {@link #texture} volume, section 1
   * unimaged if asked: checked to give every voxel a boundary and a z affinity in [0, 1], the last
   * section no z affinity.
   */
  static AffinityModel.Prediction checkedPrediction(
      AffinityParams p, int nx, int ny, int nz, boolean sectionOneUnimaged) throws Exception {
    byte[] img = texture(nx * ny * nz);
    if (sectionOneUnimaged) {
      java.util.Arrays.fill(img, nx * ny, 2 * nx * ny, (byte) 0);
    }
    try (AffinitySegmenter s = new AffinitySegmenter(p)) {
      AffinityModel.Prediction pred = s.predictOnly(new ByteVolume(nx, ny, nz, 1, img));
      assertEquals(nx * ny * nz, pred.boundary().length);
      for (int i = 0; i < pred.boundary().length; i++) {
        float b = pred.boundary()[i];
        float a = pred.zAffinity()[i];
        assertTrue(b >= 0 && b <= 1, "boundary " + b);
        assertTrue(a >= 0 && a <= 1, "z affinity " + a);
      }
      for (int i = (nz - 1) * nx * ny; i < nz * nx * ny; i++) {
        assertEquals(0f, pred.zAffinity()[i]);
      }
      return pred;
    }
  }

  @Test
  void aVolumeGetsABoundaryAndAnAffinityPerVoxelAndUnimagedSectionsDoNotBreakIt() throws Exception {
    int nx = 37;
    int ny = 22;
    int nz = 3;
    byte[] img = texture(nx * ny * nz);
    // section 1 not imaged at all
    java.util.Arrays.fill(img, nx * ny, 2 * nx * ny, (byte) 0);
    try (AffinityModel m = AffinityModel.load(null, 1, false)) {
      AffinityModel.Prediction p = m.predict(new ByteVolume(nx, ny, nz, 1, img));
      assertEquals(nx * ny * nz, p.boundary().length);
      for (float v : p.boundary()) {
        assertTrue(v >= 0 && v <= 1, "boundary " + v);
      }
      for (int i = 2 * nx * ny; i < 3 * nx * ny; i++) {
        assertEquals(0f, p.zAffinity()[i]);
      }
    }
  }
}
