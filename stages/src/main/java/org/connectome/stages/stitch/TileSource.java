package org.connectome.stages.stitch;

import java.io.IOException;
import org.connectome.imaging.Image8;

/**
 * Where a section's tile pixels come from while it is stitched. The stitcher asks for a tile each
 * time it needs one (two at a time to register a pair, a few at a time to render a block), so a
 * source can hold as few tiles as it likes: the section never has to fit in memory.
 */
public interface TileSource {
  /**
   * The pixels of tile {@code index} (an index into the section's tile list).
   *
   * @throws org.connectome.imaging.BmpException when the tile is not a readable 8-bit image
   * @throws IOException when it cannot be read
   */
  Image8 image(int index) throws IOException, InterruptedException;
}
