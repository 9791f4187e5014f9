package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeInfoTest {
  private static VolumeInfo segmentation() {
    return new VolumeInfo(
        VolumeInfo.TYPE,
        VolumeInfo.SEGMENTATION,
        DataType.UINT64,
        1,
        List.of(
            VolumeInfo.Scale.of(
                new long[] {1446, 973, 16},
                new double[] {8, 8, 33},
                new int[] {64, 64, 16},
                Encoding.COMPRESSED_SEGMENTATION,
                new int[] {8, 8, 8}),
            VolumeInfo.Scale.of(
                new long[] {723, 487, 16},
                new double[] {16, 16, 33},
                new int[] {64, 64, 16},
                Encoding.COMPRESSED_SEGMENTATION,
                new int[] {8, 8, 8})),
        "mesh",
        "segment_properties");
  }

  @Test
  void writesTheFieldNamesNeuroglancerReads() throws Exception {
    JsonNode j = new ObjectMapper().readTree(segmentation().toJson());
    assertEquals("neuroglancer_multiscale_volume", j.get("@type").asText());
    assertEquals("segmentation", j.get("type").asText());
    assertEquals("uint64", j.get("data_type").asText());
    assertEquals(1, j.get("num_channels").asInt());
    assertEquals("mesh", j.get("mesh").asText());
    assertEquals("segment_properties", j.get("segment_properties").asText());
    JsonNode s = j.get("scales").get(1);
    assertEquals("16_16_33", s.get("key").asText());
    assertEquals("[723,487,16]", s.get("size").toString());
    assertEquals(16.0, s.get("resolution").get(0).asDouble());
    assertEquals("[0,0,0]", s.get("voxel_offset").toString());
    assertEquals("[[64,64,16]]", s.get("chunk_sizes").toString());
    assertEquals("compressed_segmentation", s.get("encoding").asText());
    assertEquals("[8,8,8]", s.get("compressed_segmentation_block_size").toString());
  }

  @Test
  void imageInfoOmitsSegmentationFields() {
    VolumeInfo v =
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {10, 10, 10},
                    new double[] {4.5, 4.5, 40},
                    new int[] {8, 8, 8},
                    Encoding.JPEG,
                    null)));
    String text = new String(v.toJson(), StandardCharsets.UTF_8);
    assertFalse(text.contains("mesh"), text);
    assertFalse(text.contains("compressed_segmentation_block_size"), text);
    assertTrue(text.contains("\"jpeg\""), text);
    assertEquals("4.5_4.5_40", v.scale(0).key());
  }

  @Test
  void roundTripsAndSerialisesDeterministically() throws Exception {
    VolumeInfo a = segmentation();
    VolumeInfo b = VolumeInfo.fromJson(a.toJson());
    assertEquals(a, b);
    assertArrayEquals(a.toJson(), b.toJson());
  }

  @Test
  void readsInfoFilesOfOtherWriters() throws Exception {
    String json =
        """
        {"data_type": "UINT8", "num_channels": 1, "type": "image", "extra": true,
         "scales": [{"chunk_sizes": [[64, 64, 64]], "encoding": "jpeg", "key": "8_8_8", "resolution": [8, 8, 8],
           "size": [6446, 6643, 8090], "voxel_offset": [0, 0, 0]}]}""";
    VolumeInfo v = VolumeInfo.fromJson(json.getBytes(StandardCharsets.UTF_8));
    assertEquals(DataType.UINT8, v.dataType());
    assertEquals(Encoding.JPEG, v.scale(0).encoding());
    assertArrayEquals(new int[] {64, 64, 64}, v.scale(0).chunkSize());
  }

  @Test
  void rejectsInconsistentScales() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            VolumeInfo.Scale.of(
                new long[] {1, 1, 1},
                new double[] {1, 1, 1},
                new int[] {1, 1, 1},
                Encoding.COMPRESSED_SEGMENTATION,
                null));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            VolumeInfo.Scale.of(
                new long[] {1, 1, 1},
                new double[] {1, 1, 1},
                new int[] {1, 1, 1},
                Encoding.RAW,
                new int[] {8, 8, 8}));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            VolumeInfo.Scale.of(
                new long[] {1, 1, 1},
                new double[] {1, 1, 1},
                new int[] {0, 1, 1},
                Encoding.RAW,
                null));
    assertThrows(
        IllegalArgumentException.class, () -> VolumeInfo.of("mesh", DataType.UINT8, 1, List.of()));
  }
}
