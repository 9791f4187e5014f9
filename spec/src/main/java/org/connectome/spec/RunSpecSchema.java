package org.connectome.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * The JSON Schema of a run specification ({@code schema/run-spec.schema.json} in the repository,
 * shipped in this jar as {@value #RESOURCE}), and the conversion of its validation messages into
 * {@link SpecError}s with our own wording.
 */
public final class RunSpecSchema {
  /** Class-path resource of the schema. */
  public static final String RESOURCE = "org/connectome/spec/run-spec.schema.json";

  /** Pattern of {@code sample} and {@code run}. */
  public static final String ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";

  static final String ID_MESSAGE =
      "must start with a letter or digit and contain only letters, digits, '.', '_' and '-' (at most 63 characters)";

  private static final ObjectMapper JSON = new ObjectMapper();

  private RunSpecSchema() {}

  /** The schema's text. */
  public static String text() {
    try (InputStream in = RunSpecSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the class path lacks " + RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The schema as a tree (a copy: callers may change it). */
  public static JsonNode tree() {
    return Holder.TREE.deepCopy();
  }

  /** Loaded and compiled once, on first use. */
  private static final class Holder {
    static final JsonNode TREE;
    static final JsonSchema SCHEMA;

    static {
      try {
        TREE = JSON.readTree(text());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().locale(Locale.ROOT).build();
      SCHEMA =
          JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
              .getSchema(SchemaLocation.of("classpath:" + RESOURCE), TREE, config);
      SCHEMA.initializeValidators();
    }
  }

  /**
   * Validates {@code document} and returns every problem, in no particular order.
   *
   * @param lineOf the line of a field path
   */
  static List<SpecError> validate(JsonNode document, String file, ToIntFunction<String> lineOf) {
    Set<SpecError> errors = new LinkedHashSet<>();
    for (ValidationMessage m : Holder.SCHEMA.validate(document)) {
      String at = path(m.getInstanceLocation());
      String path = at;
      int line;
      String message;
      JsonNode keyword = m.getSchemaNode();
      ParamError param = paramError(m, at);
      if (param != null) {
        errors.add(
            new SpecError(file, lineOf.applyAsInt(param.path()), param.path(), param.message()));
        continue;
      }
      switch (m.getType()) {
        case "required" -> {
          path = SpecPaths.field(at, m.getProperty());
          line = lineOf.applyAsInt(at);
          message = "is required";
        }
        case "additionalProperties" -> {
          path = SpecPaths.field(at, m.getProperty());
          line = lineOf.applyAsInt(path);
          message = "unknown field" + suggestion(m.getProperty(), knownFields(m));
        }
        case "type" -> {
          line = lineOf.applyAsInt(path);
          message =
              at.isEmpty() && !document.isObject()
                  ? "the document must be a mapping of fields (sample, run, stages, ...)"
                  : "must be " + typeNames(keyword) + quoteHint(keyword, m.getInstanceNode());
        }
        case "enum" -> {
          line = lineOf.applyAsInt(path);
          List<String> values = new ArrayList<>();
          keyword.forEach(v -> values.add(v.asText()));
          message = "must be one of: " + String.join(", ", values);
        }
        case "pattern" -> {
          line = lineOf.applyAsInt(path);
          message = patternMessage(keyword.asText(), m.getInstanceNode());
        }
        case "exclusiveMinimum" -> {
          line = lineOf.applyAsInt(path);
          message = "must be > " + number(keyword);
        }
        case "minimum" -> {
          line = lineOf.applyAsInt(path);
          message = "must be >= " + number(keyword);
        }
        case "exclusiveMaximum" -> {
          line = lineOf.applyAsInt(path);
          message = "must be < " + number(keyword);
        }
        case "maximum" -> {
          line = lineOf.applyAsInt(path);
          message = "must be <= " + number(keyword);
        }
        case "minItems", "minLength" -> {
          line = lineOf.applyAsInt(path);
          message =
              keyword.asInt() == 1
                  ? "must not be empty"
                  : "must have at least "
                      + keyword.asInt()
                      + (m.getType().equals("minItems") ? " items" : " characters");
        }
        case "not" -> {
          line = lineOf.applyAsInt(path);
          message =
              "null".equals(keyword.path("type").asText())
                  ? "must not be null"
                  : "is not allowed here";
        }
        default -> {
          line = lineOf.applyAsInt(path);
          String text = m.getMessage();
          int colon = text.indexOf(": ");
          message = colon >= 0 ? text.substring(colon + 2) : text;
        }
      }
      errors.add(new SpecError(file, line, path, message));
    }
    return new ArrayList<>(errors);
  }

  /** A bad value of a declared step parameter, reported at the parameter. */
  private record ParamError(String path, String message) {}

  /**
   * A problem inside the definition of a declared parameter ({@code #/definitions/param.<scope>.<
   * name>}, generated with the expected value in words as its {@code $comment}): one message at the
   * parameter's path, {@code must be a number above 0 up to 1000000, not 'abc'}, whichever keyword
   * failed; null for other problems (an unknown key inside an object parameter keeps its
   * did-you-mean).
   */
  private static ParamError paramError(ValidationMessage m, String at) {
    if (m.getType().equals("additionalProperties") || m.getType().equals("required")) {
      return null;
    }
    String location = m.getSchemaLocation().toString();
    int hash = location.indexOf("#/definitions/param.");
    if (hash < 0) {
      return null;
    }
    String[] pointer = location.substring(hash + 2).split("/");
    String definition = pointer[1];
    JsonNode def = Holder.TREE.path("definitions").path(definition);
    String[] parts = definition.split("\\.");
    if (parts.length < 3 || !def.has("$comment")) {
      return null;
    }
    String name = parts[2];
    String path = at;
    boolean nested = false;
    while (!path.isEmpty()
        && !path.endsWith("." + name)
        && !path.endsWith("['" + name.replace("'", "''") + "']")) {
      path = SpecPaths.parent(path);
      nested = true;
    }
    if (path.isEmpty()) {
      return null;
    }
    JsonNode value = m.getInstanceNode();
    if (!nested && value != null && value.isNull()) {
      return new ParamError(path, "must not be null");
    }
    String shown =
        nested || value == null
            ? ""
            : ", not " + (value.isTextual() ? "'" + value.asText() + "'" : value.toString());
    return new ParamError(path, "must be " + def.get("$comment").asText() + shown);
  }

  /** Our path syntax for a networknt instance location. */
  static String path(JsonNodePath location) {
    String path = "";
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      path =
          element instanceof Integer index
              ? SpecPaths.index(path, index)
              : SpecPaths.field(path, element.toString());
    }
    return path;
  }

  /**
   * The properties declared beside the {@code additionalProperties: false} that {@code m} reports.
   */
  private static List<String> knownFields(ValidationMessage m) {
    String location = m.getSchemaLocation().toString();
    int hash = location.indexOf('#');
    String pointer = hash < 0 ? "" : location.substring(hash + 1);
    int slash = pointer.lastIndexOf('/');
    pointer = slash < 0 ? "" : pointer.substring(0, slash);
    List<String> names = new ArrayList<>();
    Iterator<String> it = Holder.TREE.at(pointer).path("properties").fieldNames();
    it.forEachRemaining(names::add);
    return names;
  }

  /**
   * {@code "; did you mean 'x'?"} for the known name nearest to {@code name}, or "" when none is
   * close.
   */
  static String suggestion(String name, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d <= 2 && d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean '" + best + "'?";
  }

  /**
   * Edit distance with insertions, deletions, substitutions and swaps of neighbours (optimal string
   * alignment).
   */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static String typeNames(JsonNode type) {
    List<String> names = new ArrayList<>();
    if (type.isArray()) {
      type.forEach(t -> names.add(typeName(t.asText())));
    } else {
      names.add(typeName(type.asText()));
    }
    return String.join(" or ", names);
  }

  /** YAML reads {@code run: 2024} as a number: suggest quotes where only a string will do. */
  private static String quoteHint(JsonNode type, JsonNode value) {
    boolean stringOnly = type.isTextual() && type.asText().equals("string");
    return stringOnly && value != null && (value.isNumber() || value.isBoolean())
        ? " (put the value in quotes)"
        : "";
  }

  private static String typeName(String type) {
    return switch (type) {
      case "integer" -> "an integer";
      case "number" -> "a number";
      case "string" -> "a string";
      case "boolean" -> "true or false";
      case "object" -> "an object";
      case "array" -> "a list";
      case "null" -> "null";
      default -> type;
    };
  }

  private static String patternMessage(String pattern, JsonNode value) {
    String text = value == null ? "" : value.asText();
    if (pattern.equals(Durations.PATTERN)) {
      return "'" + text + "' is not a duration (examples: 500ms, 30s, 5m, 2h, 1d, PT30S)";
    }
    if (pattern.equals(ID_PATTERN)) {
      return ID_MESSAGE;
    }
    if (pattern.equals(Quantities.PATTERN)) {
      return "'" + text + "' is not a Kubernetes quantity (examples: 500m, 2, 4Gi)";
    }
    return "'" + text + "' does not match " + pattern;
  }

  private static String number(JsonNode n) {
    BigDecimal d = n.decimalValue().stripTrailingZeros();
    return d.scale() <= 0 ? d.toBigInteger().toString() : d.toPlainString();
  }
}
