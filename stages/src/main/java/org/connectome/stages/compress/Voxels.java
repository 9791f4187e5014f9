package org.connectome.stages.compress;

import java.io.IOException;
import org.connectome.pipeline.Box;
import org.connectome.stages.precomputed.ByteVolume;
import org.connectome.stages.precomputed.Downsample;
import org.connectome.stages.precomputed.LabelVolume;
import org.connectome.stages.precomputed.PrecomputedVolume;

/**
 * What the compress steps do with a kind of voxels: the image (uint8, averaged between scales) or
 * the segmentation (labels, the most frequent label between scales).
 *
 * @param <T> the in-memory box of voxels
 */
interface Voxels<T> {
  /** Reads a region of a scale. */
  T read(PrecomputedVolume volume, int scale, Box region) throws IOException;

  /** The next coarser scale's voxels. */
  T downsample(T data, int fx, int fy, int fz);

  /** Encodes the chunks of a region made of whole chunks. */
  java.util.Map<Box, byte[]> encode(PrecomputedVolume volume, int scale, Box region, T data);

  /** Uncompressed bytes of {@code data} in {@code volume}'s data type. */
  long rawBytes(PrecomputedVolume volume, T data);

  Voxels<ByteVolume> IMAGE =
      new Voxels<>() {
        @Override
        public ByteVolume read(PrecomputedVolume v, int scale, Box region) throws IOException {
          return v.readImage(scale, region);
        }

        @Override
        public ByteVolume downsample(ByteVolume d, int fx, int fy, int fz) {
          return Downsample.average(d, fx, fy, fz);
        }

        @Override
        public java.util.Map<Box, byte[]> encode(
            PrecomputedVolume v, int scale, Box region, ByteVolume d) {
          return v.encodeImage(scale, region, d);
        }

        @Override
        public long rawBytes(PrecomputedVolume v, ByteVolume d) {
          return d.data().length;
        }
      };

  Voxels<LabelVolume> LABELS =
      new Voxels<>() {
        @Override
        public LabelVolume read(PrecomputedVolume v, int scale, Box region) throws IOException {
          return v.readLabels(scale, region);
        }

        @Override
        public LabelVolume downsample(LabelVolume d, int fx, int fy, int fz) {
          return Downsample.mode(d, fx, fy, fz);
        }

        @Override
        public java.util.Map<Box, byte[]> encode(
            PrecomputedVolume v, int scale, Box region, LabelVolume d) {
          return v.encodeLabels(scale, region, d);
        }

        @Override
        public long rawBytes(PrecomputedVolume v, LabelVolume d) {
          return (long) d.data().length * v.info().dataType().bytes();
        }
      };
}
