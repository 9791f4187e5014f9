package org.connectome.stages.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.connectome.stages.stitch.FloatImage;
import org.connectome.stages.stitch.Textures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A montage read by window from its stitch outputs is the montage read whole (pixels no tile covers
 * NaN), window by window, level by level, and two montages register to the same transform read
 * either way.
 */
class MontageFileTest {
  @TempDir Path dir;

  static final int W = 500;
  static final int H = 380;
  static final int TW = 200;
  static final int TH = 150;

  /** Writes a stitch output folder of {@code img} with a 3 x 3 grid of tiles, a corner left out. */
  private FloatImage write(Path out, FloatImage img) throws Exception {
    Files.createDirectories(out);
    byte[] raw = new byte[W * H];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) Math.round(img.data()[i]);
    }
    Files.write(out.resolve("montage.raw"), raw);
    Files.writeString(
        out.resolve("montage.json"),
        "{\"width\":"
            + W
            + ",\"height\":"
            + H
            + ",\"originX\":0,\"originY\":0,\"tileWidth\":"
            + TW
            + ",\"tileHeight\":"
            + TH
            + "}");
    List<String> lines = new ArrayList<>(List.of("# mfov\tbeam\tpath\tx\ty"));
    List<double[]> tiles = new ArrayList<>();
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 3; i++) {
        if (i == 2 && j == 2) {
          continue;
        }
        double x = i * 150 + 0.4 * i;
        double y = j * 115 - 0.3 * j;
        tiles.add(new double[] {x, y});
        lines.add("1\t" + (lines.size()) + "\tt.bmp\t" + x + "\t" + y);
      }
    }
    Files.write(out.resolve("tiles.tsv"), lines);
    // the whole montage as the aligner once read it
    float[] d = new float[W * H];
    for (int i = 0; i < d.length; i++) {
      d[i] = Float.NaN;
    }
    for (double[] t : tiles) {
      for (int y = Math.max(0, (int) Math.ceil(t[1]));
          y <= Math.min(H - 1, (int) Math.floor(t[1] + TH - 1));
          y++) {
        for (int x = Math.max(0, (int) Math.ceil(t[0]));
            x <= Math.min(W - 1, (int) Math.floor(t[0] + TW - 1));
            x++) {
          d[y * W + x] = raw[y * W + x] & 0xFF;
        }
      }
    }
    return new FloatImage(W, H, d);
  }

  @Test
  void windowsAndLevelsAreThoseOfTheWholeMontage() throws Exception {
    FloatImage tissue = Textures.tissue(W, H, 5);
    FloatImage whole = write(dir.resolve("a"), tissue);
    try (MontageFile f = MontageFile.open(dir.resolve("a"))) {
      MontageWindows mem = MontageWindows.of(whole);
      SplittableRandom r = new SplittableRandom(1);
      for (int k = 0; k < 40; k++) {
        int x0 = r.nextInt(-50, W);
        int y0 = r.nextInt(-50, H);
        int w = r.nextInt(1, 200);
        int h = r.nextInt(1, 200);
        assertArrayEquals(mem.window(x0, y0, w, h).data(), f.window(x0, y0, w, h).data());
      }
      for (int factor : new int[] {1, 3, 8}) {
        assertArrayEquals(
            whole.downsample(factor).data(), MontageWindows.downsample(f, factor).data());
      }
    }
  }

  @Test
  void registersAsTheWholeMontages() throws Exception {
    FloatImage tissue = Textures.tissue(W + 40, H + 40, 9);
    FloatImage a = write(dir.resolve("a"), Textures.crop(tissue, 0, 0, W, H, 3, 1));
    FloatImage b =
        write(
            dir.resolve("b"),
            Textures.crop(
                Textures.rotated(tissue, -0.8, W / 2.0, H / 2.0, -6.5, 4.25), 0, 0, W, H, 3, 2));
    MontageRegistration.Params p = MontageRegistration.Params.DEFAULT.scaledTo(Math.min(W, H));
    MontageRegistration.Result whole = MontageRegistration.register(a, b, p);
    MontageRegistration.Result windows;
    try (MontageFile fa = MontageFile.open(dir.resolve("a"));
        MontageFile fb = MontageFile.open(dir.resolve("b"))) {
      windows = MontageRegistration.register(fa, fb, p);
    }
    assertTrue(whole.inliers() >= 6, "inliers " + whole.inliers());
    assertEquals(whole.transform(), windows.transform());
    assertEquals(whole.matches(), windows.matches());
    assertEquals(whole.coarseNcc(), windows.coarseNcc());
  }

  @Test
  void coarseScaleGrowsWithTheSection() {
    assertEquals(8, AlignPairsRunner.coarseScale(8, 4_000_000, 2_000_000));
    assertEquals(8, AlignPairsRunner.coarseScale(8, 128_000_000, 2_000_000));
    // an H01 section of 10^11 px keeps its coarse level at 2 Mpx
    int f = AlignPairsRunner.coarseScale(8, 100_000_000_000L, 2_000_000);
    assertTrue(100_000_000_000L / ((long) f * f) <= 2_000_000, "scale " + f);
    assertTrue(100_000_000_000L / ((long) (f - 1) * (f - 1)) > 2_000_000, "scale " + f);
  }
}
