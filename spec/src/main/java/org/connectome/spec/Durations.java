package org.connectome.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in a spec ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h},
 * {@code 1d}) or as ISO-8601 ({@code PT30S}). Serialized as ISO-8601 so that any Jackson mapper
 * (Temporal's included) reads them back.
 */
public final class Durations {
  /** The pattern the JSON Schema uses too. */
  public static final String PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d)|P.*)$";

  private static final Pattern HUMAN = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d)");

  private Durations() {}

  /** Parses {@code text}; throws {@link IllegalArgumentException} naming what is wrong. */
  public static Duration parse(String text) {
    String s = text.trim();
    Matcher m = HUMAN.matcher(s);
    if (m.matches()) {
      BigDecimal value = new BigDecimal(m.group(1));
      BigDecimal millis =
          switch (m.group(2)) {
            case "ms" -> value;
            case "s" -> value.multiply(BigDecimal.valueOf(1_000));
            case "m" -> value.multiply(BigDecimal.valueOf(60_000));
            case "h" -> value.multiply(BigDecimal.valueOf(3_600_000));
            default -> value.multiply(BigDecimal.valueOf(86_400_000));
          };
      return Duration.ofMillis(millis.longValue());
    }
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (examples: 500ms, 30s, 5m, 2h, 1d, PT30S)");
    }
  }

  /** Shortest human form: {@code 90s} becomes {@code 1m30s}. */
  public static String format(Duration d) {
    if (d == null) {
      return "-";
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = ms / 1000;
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    StringBuilder b = new StringBuilder();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (sec > 0 || b.isEmpty()) {
      b.append(sec).append('s');
    }
    return b.toString();
  }

  /** Writes a duration as ISO-8601. */
  public static final class Serializer extends JsonSerializer<Duration> {
    @Override
    public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      gen.writeString(value.toString());
    }
  }

  /** Reads a duration written as text (see {@link #parse}) or as a number of seconds. */
  public static final class Deserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT
          || p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        return Duration.ofNanos(p.getDecimalValue().movePointRight(9).longValue());
      }
      String text = p.getValueAsString();
      try {
        return parse(text);
      } catch (IllegalArgumentException e) {
        return (Duration) ctxt.handleWeirdStringValue(Duration.class, text, e.getMessage());
      }
    }
  }
}
