package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NeuroglancerStateTest {
  @Test
  void layersForWhatTheFolderHolds(@TempDir Path dir) throws Exception {
    PrecomputedVolume.create(
        dir.resolve("image"),
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {1446, 973, 16},
                    new double[] {8, 8, 33},
                    new int[] {64, 64, 16},
                    Encoding.JPEG,
                    null))));
    Files.createDirectories(dir.resolve("synapses"));
    Files.writeString(dir.resolve("synapses/info"), "{\"@type\": \"neuroglancer_annotations_v1\"}");
    List<NeuroglancerState.Layer> layers = NeuroglancerState.layers(dir, "http://127.0.0.1:8080/");
    assertEquals(
        List.of("image", "synapses"), layers.stream().map(NeuroglancerState.Layer::name).toList());
    ObjectNode s = NeuroglancerState.state(layers);
    assertEquals(
        "precomputed://http://127.0.0.1:8080/image", s.get("layers").get(0).get("source").asText());
    assertEquals("annotation", s.get("layers").get(1).get("type").asText());
    assertEquals(33e-9, s.get("dimensions").get("z").get(0).asDouble(), 1e-15);
    assertEquals(723, s.get("position").get(0).asDouble());
    String url = NeuroglancerState.url(NeuroglancerState.PUBLIC_VIEWER, s);
    assertTrue(url.startsWith("https://neuroglancer-demo.appspot.com/#!%7B"), url);
    assertEquals(
        s.toString(),
        URLDecoder.decode(url.substring(url.indexOf("#!") + 2), StandardCharsets.UTF_8));
  }
}
