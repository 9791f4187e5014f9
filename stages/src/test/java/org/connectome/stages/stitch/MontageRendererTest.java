package org.connectome.stages.stitch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.Image8;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The montage rendered block by block from tiles read on demand is, byte for byte, the montage
 * rendered whole in memory (the renderer's earlier form, kept here as the reference), whatever the
 * block size and however small the tile cache; registration on overlap windows gives the result the
 * whole tiles give.
 */
class MontageRendererTest {
  @TempDir Path dir;

  private static final int TW = 60;
  private static final int TH = 45;

  private List<SectionStitcher.Tile> tiles() throws Exception {
    List<SectionStitcher.Tile> out = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(3);
    FloatImage scene = Textures.tissue(4 * TW, 4 * TH, 11);
    int k = 0;
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 3; i++) {
        double x = i * (TW - 12) + r.nextDouble() * 3;
        double y = j * (TH - 10) + r.nextDouble() * 3;
        byte[] p = new byte[TW * TH];
        for (int v = 0; v < TH; v++) {
          for (int u = 0; u < TW; u++) {
            p[v * TW + u] = (byte) Math.round(scene.sample(u + x, v + y));
          }
        }
        Path f = dir.resolve("t" + k + ".bmp");
        Bmp.write8(f, TW, TH, p);
        out.add(new SectionStitcher.Tile(1, ++k, f.toString(), x + 100.5, y - 20.25, TW, TH));
      }
    }
    return out;
  }

  @Test
  void blocksAndASmallCacheRenderTheWholeMontage() throws Exception {
    List<SectionStitcher.Tile> tiles = tiles();
    int n = tiles.size();
    double[] x = new double[n];
    double[] y = new double[n];
    double[] gain = new double[n];
    double[] offset = new double[n];
    for (int t = 0; t < n; t++) {
      x[t] = tiles.get(t).stageX() + 0.37 * (t % 3);
      y[t] = tiles.get(t).stageY() - 0.21 * (t % 2);
      gain[t] = 1 + 0.02 * t;
      offset[t] = t - 4;
    }
    MontageRenderer.Frame f = MontageRenderer.frame(tiles, x, y);
    byte[] reference = wholeInMemory(tiles, x, y, gain, offset, 8, f);
    for (int block : new int[] {16, 37, 100_000}) {
      for (long budget : new long[] {1, 1L << 30}) {
        CachedTiles source = new CachedTiles(tiles, budget);
        byte[] got = new byte[(int) f.pixels()];
        MontageRenderer.render(
            tiles,
            source,
            x,
            y,
            gain,
            offset,
            8,
            f,
            block,
            (x0, y0, w, h, px) -> {
              for (int r = 0; r < h; r++) {
                System.arraycopy(px, r * w, got, (y0 + r) * f.width() + x0, w);
              }
            });
        assertArrayEquals(reference, got, "block " + block + ", cache " + budget + " bytes");
        if (budget == 1 && block == 16) {
          assertTrue(source.reads() > n, "a one-byte cache reads tiles again: " + source.reads());
        } else if (budget > 1) {
          assertEquals(n, source.reads(), "a large cache reads each tile once");
        }
      }
    }
    // through the file: the same bytes, the temporary file gone
    Path raw = dir.resolve("out/montage.raw");
    try (RawMontageFile file = new RawMontageFile(raw, f.width())) {
      MontageRenderer.render(tiles, new CachedTiles(tiles, 1), x, y, gain, offset, 8, f, 16, file);
      file.commit();
    }
    assertArrayEquals(reference, Files.readAllBytes(raw));
    try (var s = Files.list(raw.getParent())) {
      assertEquals(List.of(raw), s.toList());
    }
  }

  @Test
  void overlapWindowsRegisterAsTheWholeTiles() throws Exception {
    List<SectionStitcher.Tile> tiles = tiles();
    CachedTiles source = new CachedTiles(tiles, 1L << 30);
    PairRegistration.Params p = new PairRegistration.Params(6, 0.3, 100, 1, 8, 3);
    int margin = 3 * 6 + 3;
    int checked = 0;
    for (int[] pair : SectionStitcher.candidatePairs(tiles)) {
      Image8 a = source.image(pair[0]);
      Image8 b = source.image(pair[1]);
      SectionStitcher.Tile ta = tiles.get(pair[0]);
      SectionStitcher.Tile tb = tiles.get(pair[1]);
      double nx = tb.stageX() - ta.stageX() + 1.3;
      double ny = tb.stageY() - ta.stageY() - 0.8;
      FloatImage fa = FloatImage.crop(a, 0, 0, TW, TH);
      FloatImage fb = FloatImage.crop(b, 0, 0, TW, TH);
      SectionStitcher.Overlap o =
          SectionStitcher.Overlap.of(a, b, (int) Math.round(nx), (int) Math.round(ny), margin);
      PairRegistration.Result whole = PairRegistration.register(fa, fb, nx, ny, p);
      PairRegistration.Result win =
          PairRegistration.register(o.a(), o.b(), nx + o.shiftX(), ny + o.shiftY(), p);
      assertEquals(whole.accepted(), win.accepted());
      assertEquals(whole.dx(), win.dx() - o.shiftX(), 1e-12);
      assertEquals(whole.dy(), win.dy() - o.shiftY(), 1e-12);
      assertEquals(whole.ncc(), win.ncc(), 1e-12);
      assertArrayEquals(whole.information(), win.information(), 1e-9);
      for (int d = -margin; d <= margin; d += 5) {
        int dx = (int) Math.round(nx) + d;
        int dy = (int) Math.round(ny) - d / 2;
        assertEquals(
            PairRegistration.ncc(fa, fb, dx, dy),
            PairRegistration.ncc(o.a(), o.b(), dx + o.shiftX(), dy + o.shiftY()));
      }
      checked++;
    }
    assertTrue(checked >= 8, checked + " pairs");
  }

  /** The renderer as it was: the whole montage as floats, tile by tile. */
  private static byte[] wholeInMemory(
      List<SectionStitcher.Tile> tiles,
      double[] x,
      double[] y,
      double[] gain,
      double[] offset,
      double feather,
      MontageRenderer.Frame f)
      throws Exception {
    int w = f.width();
    int h = f.height();
    float[] sum = new float[w * h];
    float[] wsum = new float[w * h];
    for (int t = 0; t < tiles.size(); t++) {
      FloatImage img = FloatImage.of(Bmp.read8(Path.of(tiles.get(t).path())));
      double px = x[t] - f.originX();
      double py = y[t] - f.originY();
      for (int v = 0; v < h; v++) {
        for (int u = 0; u < w; u++) {
          double tx = u - px;
          double ty = v - py;
          float val = img.sample(tx, ty);
          if (Float.isNaN(val)) {
            continue;
          }
          double wx = Math.min(1, Math.min(tx + 0.5, TW - 0.5 - tx) / feather);
          double wy = Math.min(1, Math.min(ty + 0.5, TH - 0.5 - ty) / feather);
          double wt = Math.max(1e-4, wx * wy);
          sum[v * w + u] += (float) (wt * (128 + gain[t] * (val - 128) + offset[t]));
          wsum[v * w + u] += (float) wt;
        }
      }
    }
    byte[] out = new byte[w * h];
    for (int i = 0; i < out.length; i++) {
      if (wsum[i] > 0) {
        out[i] = (byte) Math.max(0, Math.min(255, Math.round(sum[i] / wsum[i])));
      }
    }
    return out;
  }
}
