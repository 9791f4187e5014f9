package org.connectome.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * The JSON mapper for files the platform writes (step definitions, markers, reports) and canonical
 * hashing.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String text(Object value) {
    return new String(bytes(value), StandardCharsets.UTF_8);
  }

  /**
   * Canonical JSON of {@code value}: object keys sorted, numbers in their shortest exact form
   * ({@code 2.0} and {@code 2} are the same number), no whitespace. Two equal configurations give
   * the same text however they were written or serialised on the way.
   */
  public static String canonical(Object value) {
    StringBuilder b = new StringBuilder();
    write(MAPPER.valueToTree(value), b);
    return b.toString();
  }

  /** Hex SHA-256 of the canonical JSON of {@code value}, cut to {@code hexChars}. */
  public static String hash(Object value, int hexChars) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] h = d.digest(canonical(value).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h).substring(0, hexChars);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(JsonNode n, StringBuilder b) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      b.append("null");
    } else if (n.isObject()) {
      List<String> names = new ArrayList<>();
      n.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      b.append('{');
      boolean first = true;
      for (String name : names) {
        JsonNode v = n.get(name);
        if (v.isNull()) {
          continue; // an absent field and a null field mean the same
        }
        if (!first) {
          b.append(',');
        }
        first = false;
        b.append(((ObjectNode) n).textNode(name).toString()).append(':');
        write(v, b);
      }
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      ArrayNode a = (ArrayNode) n;
      for (int i = 0; i < a.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        write(a.get(i), b);
      }
      b.append(']');
    } else if (n.isNumber()) {
      BigDecimal d = n.decimalValue().stripTrailingZeros();
      b.append(d.scale() <= 0 ? d.toBigInteger().toString() : d.toPlainString());
    } else {
      b.append(n.toString());
    }
  }
}
