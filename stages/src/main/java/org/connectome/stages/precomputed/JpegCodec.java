package org.connectome.stages.precomputed;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The {@code jpeg} chunk encoding for uint8 single-channel images: the chunk is one grayscale JPEG
 * of width {@code nx} and height {@code ny * nz}, whose rows read in order are the chunk's voxels
 * in x-fastest order (the precomputed spec allows any width and height whose product is the voxel
 * count; Neuroglancer checks only that).
 */
public final class JpegCodec {
  /** JPEG's largest width or height. */
  public static final int MAX_DIMENSION = 65_500;

  private JpegCodec() {}

  /**
   * Encodes a single-channel chunk.
   *
   * @param quality 1 to 100
   */
  public static byte[] encode(ByteVolume v, int quality) {
    if (v.channels() != 1) {
      throw new IllegalArgumentException(
          "this JPEG encoder writes grayscale (1 channel), not " + v.channels());
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("JPEG quality must be 1 to 100, not " + quality);
    }
    int width = v.sx();
    long height = (long) v.sy() * v.sz();
    if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "a JPEG chunk of "
              + v.sx()
              + "x"
              + v.sy()
              + "x"
              + v.sz()
              + " would be an image of "
              + width
              + "x"
              + height
              + " (each side must be 1 to "
              + MAX_DIMENSION
              + ")");
    }
    BufferedImage img = new BufferedImage(width, (int) height, BufferedImage.TYPE_BYTE_GRAY);
    byte[] pixels = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    System.arraycopy(v.data(), 0, pixels, 0, pixels.length);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality / 100f);
      writer.setOutput(out);
      writer.write(null, new IIOImage(img, null, null), p);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
  }

  /**
   * Decodes a chunk of {@code sx x sy x sz} voxels; fails unless the image is grayscale with that
   * many pixels.
   */
  public static ByteVolume decode(byte[] jpeg, int sx, int sy, int sz) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IllegalArgumentException("not a JPEG image");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in);
        Raster r = reader.readRaster(0, null);
        if (r.getNumBands() != 1) {
          throw new IllegalArgumentException(
              "JPEG chunk has " + r.getNumBands() + " components, expected 1");
        }
        long area = (long) r.getWidth() * r.getHeight();
        if (area != (long) sx * sy * sz) {
          throw new IllegalArgumentException(
              "JPEG chunk is "
                  + r.getWidth()
                  + "x"
                  + r.getHeight()
                  + ", expected "
                  + sx * (long) sy * sz
                  + " pixels for "
                  + sx
                  + "x"
                  + sy
                  + "x"
                  + sz);
        }
        int[] samples =
            r.getSamples(r.getMinX(), r.getMinY(), r.getWidth(), r.getHeight(), 0, (int[]) null);
        byte[] d = new byte[samples.length];
        for (int i = 0; i < d.length; i++) {
          d[i] = (byte) samples[i];
        }
        return new ByteVolume(sx, sy, sz, 1, d);
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot decode JPEG chunk: " + e.getMessage(), e);
    }
  }
}
