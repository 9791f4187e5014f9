package org.connectome.stages.stitch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.AcquisitionReads;
import org.connectome.imaging.Bmp;
import org.connectome.imaging.Image8;

/**
 * Tiles read from their files on demand and kept, least recently used first out, while their bytes
 * fit a budget. The budget sets the stitcher's tile memory whatever the section's size; a tile
 * evicted and asked for again is read again (the stitcher's order, pairs by first tile and blocks
 * row by row, keeps that to a few reads per tile).
 */
public final class CachedTiles implements TileSource {
  private final List<SectionStitcher.Tile> tiles;
  private final long budgetBytes;
  private final LinkedHashMap<Integer, Image8> cache = new LinkedHashMap<>(16, 0.75f, true);
  private long held;
  private long reads;

  /**
   * @param tiles the section's tiles
   * @param budgetBytes bytes of tile pixels kept at most (the tile asked for is kept even when it
   *     alone exceeds the budget)
   */
  public CachedTiles(List<SectionStitcher.Tile> tiles, long budgetBytes) {
    this.tiles = tiles;
    this.budgetBytes = budgetBytes;
  }

  @Override
  public Image8 image(int index) throws IOException, InterruptedException {
    Image8 img = cache.get(index);
    if (img != null) {
      return img;
    }
    SectionStitcher.Tile t = tiles.get(index);
    img =
        AcquisitionReads.within(
            AcquisitionReads.DEFAULT_TIMEOUT,
            "reading tile " + t.path(),
            () -> Bmp.read8(Path.of(t.path())));
    if (img.width() != t.width() || img.height() != t.height()) {
      throw new IOException(
          t.path()
              + ": "
              + img.width()
              + " x "
              + img.height()
              + " px, the manifest says "
              + t.width()
              + " x "
              + t.height());
    }
    reads++;
    long size = (long) img.width() * img.height();
    var it = cache.entrySet().iterator();
    while (held + size > budgetBytes && it.hasNext()) {
      Map.Entry<Integer, Image8> e = it.next();
      held -= e.getValue().pixels().length;
      it.remove();
    }
    cache.put(index, img);
    held += size;
    return img;
  }

  /** Tile files read so far (a tile read again after eviction counts again). */
  public long reads() {
    return reads;
  }
}
