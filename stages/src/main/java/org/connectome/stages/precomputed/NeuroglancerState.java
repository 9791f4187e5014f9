package org.connectome.stages.precomputed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Neuroglancer viewer state for a run's {@code neuroglancer/} folder served at some base URL: an
 * image layer for {@code image/}, a segmentation layer for {@code segmentation/}, an annotation
 * layer for {@code synapses/} (those present), the global dimensions from the first volume's scale
 * 0 and the view centred on it.
 */
public final class NeuroglancerState {
  /** The public Neuroglancer that {@link #url} links to by default. */
  public static final String PUBLIC_VIEWER = "https://neuroglancer-demo.appspot.com/";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One layer found in the folder. */
  public record Layer(String name, String type, String source, VolumeInfo info) {}

  private NeuroglancerState() {}

  /** The layers of a served folder, in display order. */
  public static List<Layer> layers(Path folder, String baseUrl) throws IOException {
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    List<Layer> out = new ArrayList<>();
    for (String name : List.of("image", "segmentation")) {
      if (Files.isRegularFile(folder.resolve(name).resolve("info"))) {
        VolumeInfo info = PrecomputedVolume.open(folder.resolve(name)).info();
        out.add(new Layer(name, info.type(), "precomputed://" + base + "/" + name, info));
      }
    }
    if (Files.isRegularFile(folder.resolve("synapses").resolve("info"))) {
      out.add(new Layer("synapses", "annotation", "precomputed://" + base + "/synapses", null));
    }
    return out;
  }

  /**
   * The state: layers, dimensions in metres, position at the volume's centre, the xy panel fitting
   * 1024x768.
   */
  public static ObjectNode state(List<Layer> layers) {
    ObjectNode s = MAPPER.createObjectNode();
    VolumeInfo first =
        layers.stream().map(Layer::info).filter(i -> i != null).findFirst().orElse(null);
    if (first != null) {
      VolumeInfo.Scale s0 = first.scale(0);
      ObjectNode dims = s.putObject("dimensions");
      String[] axes = {"x", "y", "z"};
      ArrayNode pos = s.putArray("position");
      for (int i = 0; i < 3; i++) {
        ArrayNode d = dims.putArray(axes[i]);
        d.add(s0.resolution()[i] / 1e9);
        d.add("m");
        pos.add(s0.voxelOffset()[i] + s0.size()[i] / 2.0 + (i == 2 ? 0.5 : 0));
      }
      s.put(
          "crossSectionScale",
          Math.max(1.0, Math.max(s0.size()[0] / 1024.0, s0.size()[1] / 768.0) * 1.05));
    }
    ArrayNode ls = s.putArray("layers");
    for (Layer l : layers) {
      ObjectNode o = ls.addObject();
      o.put("type", l.type());
      o.put("source", l.source());
      o.put("name", l.name());
    }
    if (!layers.isEmpty()) {
      s.putObject("selectedLayer").put("layer", layers.get(0).name()).put("visible", false);
    }
    s.put("layout", "4panel");
    return s;
  }

  /** {@code viewer#!<state>}, the state URL-encoded as Neuroglancer reads it from the fragment. */
  public static String url(String viewer, ObjectNode state) {
    return viewer
        + "#!"
        + URLEncoder.encode(state.toString(), StandardCharsets.UTF_8).replace("+", "%20");
  }
}
