package org.connectome.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schema and the records describe the same fields, so neither can drift from the other. */
class SchemaAgreementTest {
  private final JsonNode schema = RunSpecSchema.tree();
  private final List<String> problems = new ArrayList<>();

  private JsonNode deref(JsonNode node) {
    JsonNode n = node;
    while (n.has("$ref")) {
      String ref = n.get("$ref").asText();
      assertTrue(ref.startsWith("#"), ref);
      n = schema.at(ref.substring(1));
      assertTrue(!n.isMissingNode(), "dangling " + ref);
    }
    return n;
  }

  private static Set<String> types(JsonNode schemaNode) {
    Set<String> types = new HashSet<>();
    JsonNode t = schemaNode.path("type");
    if (t.isArray()) {
      t.forEach(x -> types.add(x.asText()));
    } else if (!t.isMissingNode()) {
      types.add(t.asText());
    }
    return types;
  }

  private void walk(Class<?> record, JsonNode node, String path) {
    JsonNode object = deref(node);
    if (!Set.of("object").equals(types(object))) {
      problems.add(
          path
              + ": schema type is "
              + types(object)
              + ", expected object for "
              + record.getSimpleName());
    }
    if (!object.path("additionalProperties").isBoolean()
        || object.path("additionalProperties").asBoolean()) {
      problems.add(path + ": schema lacks additionalProperties: false");
    }
    JsonNode props = object.path("properties");
    Set<String> components = new HashSet<>();
    for (RecordComponent c : record.getRecordComponents()) {
      String name = c.getName();
      components.add(name);
      String p = path.isEmpty() ? name : path + "." + name;
      if (!props.has(name)) {
        problems.add(
            p + ": record component of " + record.getSimpleName() + " is missing from the schema");
        continue;
      }
      checkType(c.getGenericType(), props.get(name), p);
    }
    for (Iterator<String> it = props.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!components.contains(name)) {
        problems.add(
            (path.isEmpty() ? name : path + "." + name)
                + ": schema property has no component in "
                + record.getSimpleName());
      }
    }
  }

  private void checkType(Type type, JsonNode node, String path) {
    JsonNode s = deref(node);
    Set<String> actual = types(s);
    Class<?> raw =
        type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType() : (Class<?>) type;
    Set<String> expected;
    if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
      expected = Set.of("integer");
      long max = raw == Integer.class || raw == int.class ? Integer.MAX_VALUE : Long.MAX_VALUE;
      if (!s.has("maximum") || s.get("maximum").asLong() > max) {
        problems.add(path + ": an integer of " + raw.getSimpleName() + " needs maximum <= " + max);
      }
    } else if (raw == Double.class || raw == double.class) {
      expected = Set.of("number");
    } else if (raw == Duration.class) {
      expected = Set.of("string", "number");
      if (!Durations.PATTERN.equals(s.path("pattern").asText())) {
        problems.add(path + ": a duration needs pattern Durations.PATTERN");
      }
    } else if (raw == String.class) {
      expected = actual.contains("number") ? Set.of("string", "number") : Set.of("string");
    } else if (raw == List.class) {
      expected = Set.of("array");
      Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
      if (!s.has("items")) {
        problems.add(path + ": array without items");
      } else {
        checkType(element, s.get("items"), path + "[]");
      }
    } else if (raw == Map.class) {
      expected = Set.of("object");
      Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
      if (value == Object.class) {
        // free-form parameters: any value but null
        if (s.path("additionalProperties").isBoolean() || s.has("properties")) {
          problems.add(path + ": free-form map should allow any key");
        }
      } else if (!s.path("additionalProperties").isObject()) {
        problems.add(path + ": map without a value schema in additionalProperties");
      } else {
        checkType(value, s.get("additionalProperties"), path + ".*");
      }
    } else if (raw.isRecord()) {
      walk(raw, node, path);
      return;
    } else {
      problems.add(path + ": no schema type known for " + type);
      return;
    }
    if (!expected.equals(actual)) {
      problems.add(
          path
              + ": schema type "
              + actual
              + " but the record's "
              + type.getTypeName()
              + " needs "
              + expected);
    }
  }

  @Test
  void everyRecordComponentIsInTheSchemaAndNothingElse() {
    walk(RunSpec.class, schema, "");
    assertEquals(List.of(), problems);
  }

  @Test
  void everyPropertyHasADescription() {
    describe(schema, "");
    assertEquals(List.of(), problems);
  }

  private void describe(JsonNode node, String where) {
    if (node.isObject()) {
      JsonNode props = node.path("properties");
      for (Map.Entry<String, JsonNode> e : props.properties()) {
        if (e.getValue().path("description").asText().isBlank()) {
          problems.add(where + "/properties/" + e.getKey() + ": no description");
        }
      }
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        describe(e.getValue(), where + "/" + e.getKey());
      }
    }
  }

  @Test
  void enumsAndPatternsMatchTheCode() {
    assertEquals(Stage.ids(), strings(schema.at("/definitions/stage/properties/stage/enum")));
    assertEquals(
        List.of(ExecutorSpec.LOCAL, ExecutorSpec.KUBERNETES),
        strings(schema.at("/definitions/executor/properties/type/enum")));
    assertEquals(
        List.of(LocalExecutorSpec.PROCESS, LocalExecutorSpec.THREAD),
        strings(schema.at("/definitions/localExecutor/properties/launcher/enum")));
    assertEquals(Durations.PATTERN, schema.at("/definitions/duration/pattern").asText());
    assertEquals(Quantities.PATTERN, schema.at("/definitions/quantity/pattern").asText());
    assertEquals(RunSpecSchema.ID_PATTERN, schema.at("/definitions/id/pattern").asText());
    assertEquals("http://json-schema.org/draft-07/schema#", schema.path("$schema").asText());
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void schemaIsValidDraft07AndTheRepositoryCopyIsTheShippedOne() throws Exception {
    Set<ValidationMessage> messages =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
            .getSchema(SchemaLocation.of("http://json-schema.org/draft-07/schema#"))
            .validate(schema);
    assertEquals(Set.of(), messages);
    Path repositoryCopy = Path.of("../schema/run-spec.schema.json");
    if (Files.exists(repositoryCopy)) {
      assertEquals(new ObjectMapper().readTree(repositoryCopy.toFile()), schema);
    }
  }
}
