package org.connectome.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One parameter of a step, declared once: its name, type, range, default and description. The code
 * that uses the parameter reads it through the declaration ({@link #read}); the run-spec schema,
 * hence {@code validate}, {@code run} and editors, and the README's parameter lists are generated
 * from the same declarations.
 *
 * @param <T> the value's Java type
 */
public final class Param<T> {
  /** What kind of value a parameter takes. */
  public enum Kind {
    INTEGER,
    NUMBER,
    BOOLEAN,
    /** One of a few words. */
    CHOICE,
    /** A folder or file name: letters, digits, {@code _ . -}. */
    NAME,
    /** Three integers {@code [x, y, z]}. */
    INT3,
    /** Three positive numbers, {@code [x, y, z]} or {@code {x, y, z}}. */
    NUMBER3,
    /** A duration ({@code 30s}) or a number of seconds. */
    DURATION,
    /** Unit ranges: {@code "3,10-19"}, a unit number, or a list of either. */
    UNIT_RANGES,
    /** A size in bytes: an integer, or {@code 512KiB}, {@code 16MiB}, {@code 1GiB}. */
    BYTES,
    /** {@code true}, {@code false} or an object of the parameters {@link #options()}. */
    FLAG_OR_OPTIONS
  }

  /** A folder name as {@link Kind#NAME} takes it. */
  public static final String NAME_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9_.-]*$";

  /** A byte size as {@link Kind#BYTES} takes it in a string. */
  public static final String BYTES_PATTERN = "^\\s*[0-9]+\\s*(KiB|MiB|GiB)?\\s*$";

  /** Unit ranges as {@link Kind#UNIT_RANGES} takes them in a string. */
  public static final String RANGES_PATTERN =
      "^\\s*[0-9]+(\\s*-\\s*[0-9]+)?(\\s*,\\s*[0-9]+(\\s*-\\s*[0-9]+)?)*\\s*$";

  private final String name;
  private final Kind kind;
  private final T defaultValue;
  private final String defaultText;
  private final String description;
  private final BigDecimal min;
  private final boolean minExclusive;
  private final BigDecimal max;
  private final List<String> choices;
  private final List<Param<?>> options;
  private final Function<Object, T> parse;

  private Param(
      String name,
      Kind kind,
      T defaultValue,
      String defaultText,
      String description,
      BigDecimal min,
      boolean minExclusive,
      BigDecimal max,
      List<String> choices,
      List<Param<?>> options,
      Function<Object, T> parse) {
    this.name = Objects.requireNonNull(name);
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.description = Objects.requireNonNull(description);
    this.min = min;
    this.minExclusive = minExclusive;
    this.max = max;
    this.choices = choices == null ? List.of() : List.copyOf(choices);
    this.options = options == null ? List.of() : List.copyOf(options);
    this.parse = parse;
  }

  /** An integer from {@code min} to {@code max}. */
  public static Param<Integer> integer(
      String name, Integer defaultValue, long min, long max, String description) {
    return new Param<>(
        name,
        Kind.INTEGER,
        defaultValue,
        defaultValue == null ? null : defaultValue.toString(),
        description,
        BigDecimal.valueOf(min),
        false,
        BigDecimal.valueOf(max),
        null,
        null,
        v -> {
          if (!(v instanceof Number n)
              || n.doubleValue() != Math.rint(n.doubleValue())
              || n.longValue() < min
              || n.longValue() > max) {
            throw new IllegalArgumentException(range("an integer", min, false, max));
          }
          return n.intValue();
        });
  }

  /** A number from {@code min} to {@code max}, both included. */
  public static Param<Double> number(
      String name, Double defaultValue, double min, double max, String description) {
    return number(name, defaultValue, min, false, max, description);
  }

  /** A number above {@code min} (or from it, unless {@code minExclusive}) up to {@code max}. */
  public static Param<Double> number(
      String name,
      Double defaultValue,
      double min,
      boolean minExclusive,
      double max,
      String description) {
    return new Param<>(
        name,
        Kind.NUMBER,
        defaultValue,
        defaultValue == null ? null : plain(BigDecimal.valueOf(defaultValue)),
        description,
        BigDecimal.valueOf(min),
        minExclusive,
        BigDecimal.valueOf(max),
        null,
        null,
        v -> {
          if (!(v instanceof Number n)
              || !(minExclusive ? n.doubleValue() > min : n.doubleValue() >= min)
              || !(n.doubleValue() <= max)) {
            throw new IllegalArgumentException(range("a number", min, minExclusive, max));
          }
          return n.doubleValue();
        });
  }

  public static Param<Boolean> flag(String name, boolean defaultValue, String description) {
    return new Param<>(
        name,
        Kind.BOOLEAN,
        defaultValue,
        Boolean.toString(defaultValue),
        description,
        null,
        false,
        null,
        null,
        null,
        v -> {
          if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("true or false");
          }
          return b;
        });
  }

  /** One of {@code choices}. */
  public static Param<String> choice(
      String name, String defaultValue, List<String> choices, String description) {
    return new Param<>(
        name,
        Kind.CHOICE,
        defaultValue,
        defaultValue,
        description,
        null,
        false,
        null,
        choices,
        null,
        v -> {
          if (!(v instanceof String s) || !choices.contains(s)) {
            throw new IllegalArgumentException("one of " + String.join(", ", choices));
          }
          return s;
        });
  }

  /** A folder name (letters, digits, {@code _ . -}, not starting with a dot). */
  public static Param<String> folderName(String name, String defaultValue, String description) {
    return new Param<>(
        name,
        Kind.NAME,
        defaultValue,
        defaultValue,
        description,
        null,
        false,
        null,
        null,
        null,
        v -> {
          if (!(v instanceof String s) || !s.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException("a folder name (letters, digits, _ . -)");
          }
          return s;
        });
  }

  /** Three integers {@code [x, y, z]}, each at least {@code min}. */
  public static Param<int[]> int3(String name, int[] defaultValue, int min, String description) {
    return new Param<>(
        name,
        Kind.INT3,
        defaultValue == null ? null : defaultValue.clone(),
        defaultValue == null ? null : Arrays.toString(defaultValue),
        description,
        BigDecimal.valueOf(min),
        false,
        BigDecimal.valueOf(Integer.MAX_VALUE),
        null,
        null,
        v -> {
          String expected = "three integers >= " + min + " [x, y, z]";
          if (!(v instanceof List<?> l) || l.size() != 3) {
            throw new IllegalArgumentException(expected);
          }
          int[] out = new int[3];
          for (int i = 0; i < 3; i++) {
            if (!(l.get(i) instanceof Number n)
                || n.doubleValue() != Math.rint(n.doubleValue())
                || n.longValue() < min
                || n.longValue() > Integer.MAX_VALUE) {
              throw new IllegalArgumentException(expected);
            }
            out[i] = n.intValue();
          }
          return out;
        });
  }

  /** Three positive numbers, as {@code [x, y, z]} or {@code {x, y, z}}; no default. */
  public static Param<double[]> positive3(String name, String description) {
    return new Param<>(
        name,
        Kind.NUMBER3,
        null,
        null,
        description,
        BigDecimal.ZERO,
        true,
        null,
        null,
        null,
        v -> {
          Object[] xyz;
          if (v instanceof List<?> l && l.size() == 3) {
            xyz = l.toArray();
          } else if (v instanceof Map<?, ?> m && m.size() == 3) {
            xyz = new Object[] {m.get("x"), m.get("y"), m.get("z")};
          } else {
            throw new IllegalArgumentException("three positive numbers [x, y, z] or {x, y, z}");
          }
          double[] out = new double[3];
          for (int i = 0; i < 3; i++) {
            if (!(xyz[i] instanceof Number n) || !(n.doubleValue() > 0)) {
              throw new IllegalArgumentException("three positive numbers [x, y, z] or {x, y, z}");
            }
            out[i] = n.doubleValue();
          }
          return out;
        });
  }

  /** A duration ({@code 30s}, {@code 5m}, ISO-8601) or a number of seconds. */
  public static Param<Duration> duration(String name, Duration defaultValue, String description) {
    return new Param<>(
        name,
        Kind.DURATION,
        defaultValue,
        defaultValue == null ? null : Durations.format(defaultValue),
        description,
        null,
        false,
        null,
        null,
        null,
        v -> {
          if (v instanceof Number n && n.doubleValue() >= 0) {
            return Duration.ofMillis((long) (n.doubleValue() * 1000));
          }
          if (v instanceof String s && s.trim().matches(Durations.PATTERN)) {
            return Durations.parse(s);
          }
          throw new IllegalArgumentException(
              "a duration (examples: 500ms, 30s, 5m, 2h, 1d, PT30S) or a number of seconds");
        });
  }

  /**
   * A positive size in bytes: an integer, or a string like {@code 512KiB}, {@code 4MiB}, {@code
   * 1GiB}.
   */
  public static Param<Long> bytes(String name, long defaultValue, String description) {
    return new Param<>(
        name,
        Kind.BYTES,
        defaultValue,
        bytesText(defaultValue),
        description,
        BigDecimal.ONE,
        false,
        null,
        null,
        null,
        v -> {
          String what = "a byte size (examples: 1048576, 512KiB, 4MiB, 1GiB)";
          if (v instanceof Number n
              && n.doubleValue() == Math.rint(n.doubleValue())
              && n.longValue() >= 1) {
            return n.longValue();
          }
          if (!(v instanceof String t) || !t.matches(BYTES_PATTERN)) {
            throw new IllegalArgumentException(what);
          }
          String x = t.trim();
          long unit = 1;
          for (String[] u :
              new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}}) {
            if (x.endsWith(u[0])) {
              unit = Long.parseLong(u[1]);
              x = x.substring(0, x.length() - u[0].length()).trim();
            }
          }
          try {
            long b = Math.multiplyExact(Long.parseLong(x), unit);
            if (b < 1) {
              throw new IllegalArgumentException(what);
            }
            return b;
          } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(what);
          }
        });
  }

  private static String bytesText(long b) {
    for (String[] u : new String[][] {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}}) {
      long unit = Long.parseLong(u[1]);
      if (b >= unit && b % unit == 0) {
        return (b / unit) + u[0];
      }
    }
    return Long.toString(b);
  }

  /**
   * Unit ranges ({@code "3,10-19"}, a unit number, or a list of either), read as the text of a
   * range list ({@code 3,10-19}); absent: the empty text.
   */
  public static Param<String> unitRanges(String name, String description) {
    return new Param<>(
        name,
        Kind.UNIT_RANGES,
        "",
        null,
        description,
        null,
        false,
        null,
        null,
        null,
        v -> {
          List<String> parts = new ArrayList<>();
          for (Object x : v instanceof List<?> l ? l : List.of(v)) {
            String s =
                x instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    ? Long.toString(n.longValue())
                    : x instanceof String t ? t : null;
            if (s == null || !s.matches(RANGES_PATTERN)) {
              throw new IllegalArgumentException("unit ranges like \"3,10-19\"");
            }
            parts.add(s.replaceAll("\\s", ""));
          }
          return String.join(",", parts);
        });
  }

  /**
   * {@code true} (the options' defaults), {@code false} or absent ({@code null}), or an object of
   * {@code options}, at least one of them given; read as a map of every option's value.
   */
  public static Param<Map<String, Object>> flagOrOptions(
      String name, List<Param<?>> options, String description) {
    return new Param<>(
        name,
        Kind.FLAG_OR_OPTIONS,
        null,
        "false",
        description,
        null,
        false,
        null,
        null,
        options,
        v -> {
          if (Boolean.FALSE.equals(v)) {
            return null;
          }
          Map<String, Object> given = Map.of();
          if (v instanceof Map<?, ?> m) {
            Map<String, Object> g = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
              String k = String.valueOf(e.getKey());
              if (options.stream().noneMatch(o -> o.name().equals(k))) {
                throw new Nested(
                    k
                        + " is not one of its options ("
                        + String.join(", ", options.stream().map(Param::name).toList())
                        + ")");
              }
              g.put(k, e.getValue());
            }
            if (g.isEmpty()) {
              throw new IllegalArgumentException(
                  "true, false or an object of at least one of "
                      + String.join(", ", options.stream().map(Param::name).toList()));
            }
            given = g;
          } else if (!Boolean.TRUE.equals(v)) {
            throw new IllegalArgumentException(
                "true, false or an object of "
                    + String.join(", ", options.stream().map(Param::name).toList()));
          }
          Map<String, Object> out = new LinkedHashMap<>();
          for (Param<?> o : options) {
            try {
              out.put(o.name(), o.read("", given));
            } catch (IllegalArgumentException e) {
              // "params.ratio must be ..." of the option, said of the option inside this one
              throw new Nested(e.getMessage().substring("params.".length()));
            }
          }
          return out;
        });
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  public String description() {
    return description;
  }

  /** The default as the README shows it, or null when the parameter has none. */
  public String defaultText() {
    return defaultText;
  }

  public List<String> choices() {
    return choices;
  }

  public List<Param<?>> options() {
    return options;
  }

  /**
   * The parameter's value in {@code params}, or its default when absent.
   *
   * @param step the step, for the message ({@code stitch.stitch})
   * @throws IllegalArgumentException {@code stitch.stitch: params.minNcc must be a number from 0 to
   *     1, not 'abc'}
   */
  public T read(String step, Map<String, Object> params) {
    Object v = params == null ? null : params.get(name);
    if (v == null) {
      return defaultValue instanceof int[] a ? cast(a.clone()) : defaultValue;
    }
    String prefix = step == null || step.isEmpty() ? "" : step + ": ";
    try {
      return parse.apply(v);
    } catch (Nested e) {
      throw new IllegalArgumentException(prefix + "params." + name + "." + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          prefix
              + "params."
              + name
              + " must be "
              + e.getMessage()
              + ", not "
              + (v instanceof String ? "'" + v + "'" : v));
    }
  }

  /** A problem of an option inside an object parameter, said from the option's name on. */
  private static final class Nested extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Nested(String message) {
      super(message);
    }
  }

  @SuppressWarnings("unchecked")
  private T cast(Object o) {
    return (T) o;
  }

  /** The value's constraint in words: {@code an integer from 1 to 255}. */
  public String expected() {
    try {
      parse.apply(new Object());
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return kind.name().toLowerCase();
  }

  /** The JSON Schema of the parameter's value, with its description and default. */
  public ObjectNode schema() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode s = f.objectNode();
    switch (kind) {
      case INTEGER -> {
        s.put("type", "integer");
        s.put("minimum", min);
        s.put("maximum", max);
      }
      case NUMBER -> {
        s.put("type", "number");
        s.put(minExclusive ? "exclusiveMinimum" : "minimum", min);
        s.put("maximum", max);
      }
      case BOOLEAN -> s.put("type", "boolean");
      case CHOICE -> {
        s.put("type", "string");
        ArrayNode e = s.putArray("enum");
        choices.forEach(e::add);
      }
      case NAME -> {
        s.put("type", "string");
        s.put("pattern", NAME_PATTERN);
      }
      case INT3 -> {
        s.put("type", "array");
        s.put("minItems", 3);
        s.put("maxItems", 3);
        ObjectNode items = s.putObject("items");
        items.put("type", "integer");
        items.put("minimum", min);
        items.put("maximum", max);
      }
      case NUMBER3 -> {
        ArrayNode any = s.putArray("oneOf");
        ObjectNode list = any.addObject();
        list.put("type", "array");
        list.put("minItems", 3);
        list.put("maxItems", 3);
        list.putObject("items").put("type", "number").put("exclusiveMinimum", 0);
        ObjectNode map = any.addObject();
        map.put("type", "object");
        ArrayNode req = map.putArray("required");
        ObjectNode props = map.putObject("properties");
        for (String k : List.of("x", "y", "z")) {
          req.add(k);
          props.putObject(k).put("type", "number").put("exclusiveMinimum", 0);
        }
        map.put("additionalProperties", false);
      }
      case DURATION -> {
        ArrayNode type = s.putArray("type");
        type.add("string");
        type.add("number");
        s.put("pattern", Durations.PATTERN);
        s.put("minimum", 0);
      }
      case BYTES -> {
        ArrayNode any = s.putArray("anyOf");
        any.addObject().put("type", "integer").put("minimum", 1);
        any.addObject().put("type", "string").put("pattern", BYTES_PATTERN);
      }
      case UNIT_RANGES -> {
        ObjectNode text = f.objectNode().put("type", "string").put("pattern", RANGES_PATTERN);
        ObjectNode unit = f.objectNode().put("type", "integer").put("minimum", 0);
        ArrayNode any = s.putArray("anyOf");
        any.add(text);
        any.add(unit);
        ObjectNode list = any.addObject().put("type", "array");
        list.putObject("items").putArray("anyOf").add(text.deepCopy()).add(unit.deepCopy());
      }
      case FLAG_OR_OPTIONS -> {
        ArrayNode any = s.putArray("anyOf");
        any.addObject().put("type", "boolean");
        ObjectNode obj = any.addObject();
        obj.put("type", "object");
        obj.put("minProperties", 1);
        ObjectNode props = obj.putObject("properties");
        for (Param<?> o : options) {
          props.set(o.name(), o.schema());
        }
        obj.put("additionalProperties", false);
      }
    }
    // the loader words a bad value with it: "must be <$comment>, not ..."
    s.put("$comment", expected());
    s.put("description", description + (defaultText == null ? "" : " Default: " + defaultText));
    if (defaultText != null && defaultValue != null) {
      s.set("default", json());
    }
    return s;
  }

  /** The default as a JSON value, for editors. */
  private JsonNode json() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    Object d = defaultValue;
    if (d instanceof Integer i) {
      return f.numberNode(i);
    }
    if (d instanceof Double x) {
      return f.numberNode(new BigDecimal(plain(BigDecimal.valueOf(x))));
    }
    if (d instanceof Boolean b) {
      return f.booleanNode(b);
    }
    if (d instanceof int[] a) {
      ArrayNode n = f.arrayNode();
      for (int x : a) {
        n.add(x);
      }
      return n;
    }
    if (d instanceof Duration || kind == Kind.BYTES) {
      return f.textNode(defaultText);
    }
    return f.textNode(String.valueOf(d));
  }

  private static String range(String what, double min, boolean minExclusive, double max) {
    return what
        + (minExclusive ? " above " : " from ")
        + plain(BigDecimal.valueOf(min))
        + (minExclusive ? " up to " : " to ")
        + plain(BigDecimal.valueOf(max));
  }

  private static String range(String what, long min, boolean minExclusive, long max) {
    return max >= Integer.MAX_VALUE ? what + " >= " + min : what + " from " + min + " to " + max;
  }

  private static String plain(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return s.scale() <= 0 ? s.toBigInteger().toString() : s.toPlainString();
  }

  @Override
  public String toString() {
    return name + " (" + expected() + ")";
  }
}
