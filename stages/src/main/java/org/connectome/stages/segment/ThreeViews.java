package org.connectome.stages.segment;

import java.io.IOException;
import org.connectome.stages.precomputed.ByteVolume;

/**
 * The network's prediction of an isotropic subvolume read in three orientations ({@link
 * AffinityParams.Views#THREE}): the sections (xy planes), then the volume turned so that its xz
 * planes and then its yz planes are the sections the network reads. On isotropic voxels (FIB-SEM)
 * every orientation shows the same tissue, and a membrane that runs nearly parallel to the sections
 * (faint in every xy plane it grazes) crosses the side views' planes steeply, where the network
 * sees it best.
 *
 * <p>The boundary of a voxel is the mean of its three predictions. {@link AffinitySegmenter} cuts
 * such a volume into fragments in 3D ({@link VolumeFragments}) and scores every face between two
 * fragments, across sections too, by that boundary, so the network's own z affinity (kept from the
 * sections) is not read there. Measured on three real FIB-SEM volumes (the README's table).
 */
final class ThreeViews {
  private ThreeViews() {}

  static AffinityModel.Prediction predict(AffinityModel model, ByteVolume image)
      throws IOException, InterruptedException {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    AffinityModel.Prediction xy = model.predict(image);
    float[] xz = model.predict(new ByteVolume(nx, nz, ny, 1, xzSections(image))).boundary();
    float[] yz = model.predict(new ByteVolume(ny, nz, nx, 1, yzSections(image))).boundary();
    return combine(xy, xz, yz);
  }

  /**
   * The three predictions in one: {@code xz} is the boundary of the xz planes as sections (index
   * {@code (y * nz + z) * nx + x}), {@code yz} of the yz planes ({@code (x * nz + z) * ny + y}).
   * Overwrites and returns {@code xy}'s boundary; its z affinity stays.
   */
  static AffinityModel.Prediction combine(AffinityModel.Prediction xy, float[] xz, float[] yz) {
    int nx = xy.nx();
    int ny = xy.ny();
    int nz = xy.nz();
    int plane = nx * ny;
    float[] boundary = xy.boundary();
    for (int y = 0; y < ny; y++) {
      for (int z = 0; z < nz; z++) {
        int from = (y * nz + z) * nx;
        int to = z * plane + y * nx;
        for (int x = 0; x < nx; x++) {
          boundary[to + x] += xz[from + x];
        }
      }
    }
    for (int x = 0; x < nx; x++) {
      for (int z = 0; z < nz; z++) {
        int from = (x * nz + z) * ny;
        for (int y = 0; y < ny; y++) {
          boundary[z * plane + y * nx + x] += yz[from + y];
        }
      }
    }
    for (int i = 0; i < boundary.length; i++) {
      boundary[i] /= 3;
    }
    return xy;
  }

  /** The volume with its y and z axes swapped: section {@code y} holds the rows of every z. */
  static byte[] xzSections(ByteVolume image) {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    byte[] in = image.data();
    byte[] out = new byte[in.length];
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        System.arraycopy(in, (z * ny + y) * nx, out, (y * nz + z) * nx, nx);
      }
    }
    return out;
  }

  /** The volume turned so that section {@code x} holds, per z, the column of every y. */
  static byte[] yzSections(ByteVolume image) {
    int nx = image.sx();
    int ny = image.sy();
    int nz = image.sz();
    byte[] in = image.data();
    byte[] out = new byte[in.length];
    for (int z = 0; z < nz; z++) {
      for (int y = 0; y < ny; y++) {
        int row = (z * ny + y) * nx;
        for (int x = 0; x < nx; x++) {
          out[(x * nz + z) * ny + y] = in[row + x];
        }
      }
    }
    return out;
  }
}
