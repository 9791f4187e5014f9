package org.connectome.stages.segment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.connectome.stages.precomputed.ByteVolume;

/**
 * The trained affinity network ({@code segment-training/}), run by ONNX Runtime: a 2D U-Net over
 * four consecutive sections {@code (z-1, z, z+1, z+2)}, each normalised to zero mean and unit
 * deviation over its imaged pixels, that gives per pixel the boundary probability of sections
 * {@code z} and {@code z+1} and the affinity of {@code (x, y, z)} to {@code (x, y, z+1)}. The
 * shipped model ({@code model/affinity-unet.onnx} in this package, with {@code model.json}) is the
 * output of {@code segment-training/train}; {@code params.model} names another file.
 *
 * <p>It runs on the CPU, and on a CUDA GPU when the ONNX Runtime on the class path has the CUDA
 * provider and the node a GPU ({@code useGpu}); the CPU build that ships falls back to the CPU.
 */
public final class AffinityModel implements AutoCloseable {
  /** The shipped model's resource. */
  public static final String SHIPPED = "model/affinity-unet.onnx";

  private static final int SECTIONS = 4;
  private static final int MULTIPLE = 4;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String source;

  private AffinityModel(OrtEnvironment env, OrtSession session, String source) {
    this.env = env;
    this.session = session;
    this.source = source;
  }

  /**
   * Loads the model: {@code file} when given, else the shipped one.
   *
   * @param threads ONNX Runtime's intra-op threads (a task usually shares the node with others)
   * @param useGpu try the CUDA provider first
   */
  public static AffinityModel load(Path file, int threads, boolean useGpu) throws IOException {
    byte[] bytes;
    String source;
    if (file != null) {
      bytes = Files.readAllBytes(file);
      source = file.toString();
    } else {
      try (InputStream in = AffinityModel.class.getResourceAsStream(SHIPPED)) {
        if (in == null) {
          throw new IOException(
              "the shipped segmentation model " + SHIPPED + " is not on the class path");
        }
        bytes = in.readAllBytes();
      }
      source = "shipped " + SHIPPED;
    }
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions o = new OrtSession.SessionOptions();
      o.setIntraOpNumThreads(Math.max(1, threads));
      o.setInterOpNumThreads(1);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (useGpu) {
        try {
          o.addCUDA(0);
        } catch (OrtException | RuntimeException e) {
          // the CPU build of ONNX Runtime, or no GPU: the CPU it is
        }
      }
      return new AffinityModel(env, env.createSession(bytes, o), source);
    } catch (OrtException e) {
      throw new IOException(
          "cannot load the segmentation model (" + source + "): " + e.getMessage(), e);
    }
  }

  public String source() {
    return source;
  }

  /**
   * The network's output over a whole volume (x fastest, then y, then z).
   *
   * @param boundary per voxel, the probability that it lies on a cell boundary (mean of the two
   *     predictions each section gets)
   * @param zAffinity per voxel of sections {@code 0 .. nz-2}, the probability that it and the voxel
   *     above it in {@code z + 1} belong to one cell (the last section's is 0)
   */
  public record Prediction(int nx, int ny, int nz, float[] boundary, float[] zAffinity) {}

  /** Runs the network over every section of {@code image} (0 = not imaged). */
  public Prediction predict(ByteVolume image) throws IOException, InterruptedException {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    int plane = nx * ny;
    int px = (nx + MULTIPLE - 1) / MULTIPLE * MULTIPLE;
    int py = (ny + MULTIPLE - 1) / MULTIPLE * MULTIPLE;
    float[][] norm = new float[nz][];
    for (int z = 0; z < nz; z++) {
      norm[z] = normalised(image.data(), z * plane, nx, ny, px, py);
    }
    float[] boundary = new float[plane * nz];
    float[] weight = new float[nz];
    float[] zAff = new float[plane * nz];
    float[] input = new float[SECTIONS * px * py];
    // windows z = -1 .. nz-2 give boundaries of z and z+1 and the affinity of z to z+1; the
    // sections outside the volume repeat its first or last one
    for (int z = nz == 1 ? 0 : -1; z <= Math.max(0, nz - 2); z++) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      for (int k = 0; k < SECTIONS; k++) {
        int s = Math.min(nz - 1, Math.max(0, z - 1 + k));
        System.arraycopy(norm[s], 0, input, k * px * py, px * py);
      }
      float[] out = run(input, px, py);
      int pp = px * py;
      for (int c = 0; c < 2; c++) {
        int s = z + c;
        if (s < 0 || s >= nz) {
          continue;
        }
        for (int y = 0; y < ny; y++) {
          for (int x = 0; x < nx; x++) {
            boundary[s * plane + y * nx + x] += out[c * pp + y * px + x];
          }
        }
        weight[s]++;
      }
      if (z >= 0 && z + 1 < nz) {
        for (int y = 0; y < ny; y++) {
          for (int x = 0; x < nx; x++) {
            zAff[z * plane + y * nx + x] = out[2 * pp + y * px + x];
          }
        }
      }
    }
    for (int z = 0; z < nz; z++) {
      float w = weight[z];
      for (int i = z * plane; i < (z + 1) * plane; i++) {
        boundary[i] /= w;
      }
    }
    return new Prediction(nx, ny, nz, boundary, zAff);
  }

  private float[] run(float[] input, int px, int py) throws IOException {
    try (OnnxTensor t =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(input), new long[] {1, SECTIONS, py, px});
        OrtSession.Result r = session.run(Map.of("sections", t))) {
      OnnxTensor o = (OnnxTensor) r.get(0);
      FloatBuffer b = o.getFloatBuffer();
      float[] out = new float[b.remaining()];
      b.get(out);
      return out;
    } catch (OrtException e) {
      throw new IOException("segmentation model (" + source + "): " + e.getMessage(), e);
    }
  }

  /** Runs the network on one input {@code (1, 4, h, w)}; for the model check. */
  float[] runRaw(float[] input, int w, int h) throws IOException {
    return run(input, w, h);
  }

  /**
   * Section {@code (nx, ny)} at {@code off}, normalised over its imaged pixels, padded to {@code
   * (px, py)} by repeating its last row and column; unimaged pixels are 0 (the mean).
   */
  static float[] normalised(byte[] img, int off, int nx, int ny, int px, int py) {
    double sum = 0;
    double sum2 = 0;
    long n = 0;
    for (int i = 0; i < nx * ny; i++) {
      int v = img[off + i] & 0xff;
      if (v != 0) {
        sum += v;
        sum2 += (double) v * v;
        n++;
      }
    }
    float[] out = new float[px * py];
    if (n == 0) {
      return out;
    }
    double mean = sum / n;
    double std = Math.max(1, Math.sqrt(Math.max(0, sum2 / n - mean * mean)));
    for (int y = 0; y < py; y++) {
      int sy = Math.min(y, ny - 1);
      for (int x = 0; x < px; x++) {
        int v = img[off + sy * nx + Math.min(x, nx - 1)] & 0xff;
        out[y * px + x] = v == 0 ? 0f : (float) ((v - mean) / std);
      }
    }
    return out;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // closing: nothing left to do
    }
  }
}
