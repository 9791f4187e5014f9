package org.connectome.stages.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Neuroglancer's legacy mesh format (precomputed {@code mesh} folder): the folder's {@code info} is
 * {@code {"@type":"neuroglancer_legacy_mesh"}}; per segment a manifest {@code <id>:0} (level of
 * detail 0) lists its fragment files, {@code {"fragments": [...]}}; a fragment is uint32 vertex
 * count, then float32 x y z per vertex (nm), then uint32 vertex indices, three per triangle, all
 * little-endian.
 */
public final class LegacyMesh {
  /** The mesh folder's info. */
  public static final String INFO_JSON = "{\"@type\":\"neuroglancer_legacy_mesh\"}";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private LegacyMesh() {}

  /** The manifest file name of a segment. */
  public static String manifestName(long id) {
    return Long.toUnsignedString(id) + ":0";
  }

  /** The fragment file name of a segment's merged mesh. */
  public static String fragmentName(long id) {
    return Long.toUnsignedString(id) + ".frag";
  }

  public static byte[] encode(TriangleMesh m) {
    ByteBuffer b =
        ByteBuffer.allocate(4 + 12 * m.vertexCount() + 4 * m.triangles().length)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(m.vertexCount());
    for (float f : m.vertices()) {
      b.putFloat(f);
    }
    for (int t : m.triangles()) {
      b.putInt(t);
    }
    return b.array();
  }

  public static TriangleMesh decode(byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (data.length < 4) {
      throw new IOException("a fragment needs at least 4 bytes, not " + data.length);
    }
    long n = Integer.toUnsignedLong(b.getInt());
    long rest = data.length - 4 - 12 * n;
    if (n > (data.length - 4) / 12 || rest % 12 != 0) {
      throw new IOException(
          "fragment of "
              + data.length
              + " bytes does not hold "
              + n
              + " vertices and whole"
              + " triangles");
    }
    float[] v = new float[(int) (3 * n)];
    b.asFloatBuffer().get(v);
    b.position(b.position() + 4 * v.length);
    int[] t = new int[(int) (rest / 4)];
    b.asIntBuffer().get(t);
    for (int i : t) {
      if (i < 0 || i >= n) {
        throw new IOException(
            "fragment triangle index " + Integer.toUnsignedString(i) + " of " + n + " vertices");
      }
    }
    return TriangleMesh.of(v, t);
  }

  public static byte[] manifest(List<String> fragments) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode a = root.putArray("fragments");
    fragments.forEach(a::add);
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fragment names of a manifest. */
  public static List<String> fragments(byte[] manifest) throws IOException {
    JsonNode j = MAPPER.readTree(manifest);
    JsonNode f = j.path("fragments");
    if (!f.isArray()) {
      throw new IOException(
          "manifest without a fragments list: " + new String(manifest, StandardCharsets.UTF_8));
    }
    List<String> out = new ArrayList<>();
    f.forEach(x -> out.add(x.asText()));
    return out;
  }
}
