package org.connectome.stages.segment;

import java.io.IOException;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.LabelVolume;

/** The reference {@code segment.inference} of one subvolume of the aligned image. */
public interface SubvolumeSegmenter extends AutoCloseable {
  /**
   * Segments a subvolume.
   *
   * @param image the aligned image (0 = not imaged)
   * @return labels from 1, local to the subvolume; 0 outside the imaged data
   */
  LabelVolume segment(ByteVolume image) throws IOException, InterruptedException;

  @Override
  default void close() {}
}
