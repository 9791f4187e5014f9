package org.connectome.stages.precomputed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Segment properties of a segmentation volume ({@code neuroglancer_segment_properties}, inline
 * form): a folder beside the scales with an {@code info} listing segment ids and per-segment
 * properties, named by the volume info's {@code segment_properties}. compress.segmentation writes
 * the folder's name into the info when asked ({@code params.segmentProperties}); the stage that
 * knows the segments (segmentation, its reconcile step or the report) writes the folder with {@link
 * #write}.
 */
public final class SegmentProperties {
  /** The folder name used by default. */
  public static final String DEFAULT_DIR = "segment_properties";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SegmentProperties() {}

  /**
   * Writes {@code <volume>/<dir>/info} with a {@code label} property per segment and optional
   * numeric properties.
   *
   * @param labels segment id to label (shown by Neuroglancer in the segment list)
   * @param numbers property name to (segment id to value), for example voxel counts; every id of
   *     {@code labels} must have a value
   */
  public static void write(
      Path volumeRoot, String dir, Map<Long, String> labels, Map<String, Map<Long, Double>> numbers)
      throws IOException {
    SortedMap<Long, String> sorted = new TreeMap<>(Long::compareUnsigned);
    sorted.putAll(labels);
    ObjectNode root = MAPPER.createObjectNode();
    root.put("@type", "neuroglancer_segment_properties");
    ObjectNode inline = root.putObject("inline");
    ArrayNode ids = inline.putArray("ids");
    sorted.keySet().forEach(id -> ids.add(Long.toUnsignedString(id)));
    ArrayNode props = inline.putArray("properties");
    ObjectNode label = props.addObject();
    label.put("id", "label");
    label.put("type", "label");
    ArrayNode values = label.putArray("values");
    sorted.values().forEach(values::add);
    for (var e : numbers.entrySet()) {
      ObjectNode p = props.addObject();
      p.put("id", e.getKey());
      p.put("type", "number");
      p.put("data_type", "float32");
      ArrayNode v = p.putArray("values");
      for (Long id : sorted.keySet()) {
        Double x = e.getValue().get(id);
        if (x == null) {
          throw new IllegalArgumentException(
              "property " + e.getKey() + " has no value for segment " + Long.toUnsignedString(id));
        }
        v.add(x);
      }
    }
    AtomicFiles.write(volumeRoot.resolve(dir).resolve("info"), MAPPER.writeValueAsBytes(root));
  }

  /**
   * Adds {@code segment_properties: dir} to an existing volume's info (atomically), for a stage
   * that writes the properties after the volume.
   */
  public static void link(Path volumeRoot, String dir) throws IOException {
    PrecomputedVolume v = PrecomputedVolume.open(volumeRoot);
    PrecomputedVolume.create(volumeRoot, v.info().withSegmentProperties(dir));
  }
}
