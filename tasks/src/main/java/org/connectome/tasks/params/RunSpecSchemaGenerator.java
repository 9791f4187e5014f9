package org.connectome.tasks.params;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;
import org.connectome.spec.Stage;

/**
 * Writes the parameters part of the run-spec schema ({@code schema/run-spec.schema.json}) from the
 * steps' declarations ({@link ParameterCatalog}); the rest of the schema is written by hand. For
 * every stage and implementation, the schema says which parameters the stage's {@code params} and
 * each {@code steps.<name>.params} take, with type, range, default and description, and that no
 * other is allowed (a {@code container} step passes any other to its image). The loader validates
 * every spec against it, so an unknown or ill-typed parameter fails {@code validate} and {@code
 * run} with its file, line and field; editors complete the names.
 *
 * <p>Generated definitions are named {@code params.<stage>.<implementation>} (a stage's params),
 * {@code params.<stage>.<step>.<implementation>} (a step's), {@code steps.<stage>.<step>} (the
 * params of a step naming its own implementation) and {@code param.<stage>.<name>} (one parameter);
 * {@code definitions.stage.allOf} selects them. Generating again from a generated schema gives the
 * same schema.
 */
public final class RunSpecSchemaGenerator {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private RunSpecSchemaGenerator() {}

  /** The schema {@code current} with its parameters part generated anew from {@code catalog}. */
  public static ObjectNode generate(JsonNode current, ParameterCatalog catalog) {
    ObjectNode schema = current.deepCopy();
    ObjectNode defs = (ObjectNode) schema.get("definitions");
    // drop what an earlier generation wrote
    for (Iterator<String> it = defs.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (name.startsWith("param.") || name.startsWith("params.") || name.startsWith("steps.")) {
        it.remove();
      }
    }
    ParamRefs refs = new ParamRefs(defs);
    ObjectNode stage = (ObjectNode) defs.get("stage");
    stage.remove("allOf");
    ArrayNode select = F.arrayNode();
    for (Stage s : Stage.values()) {
      for (String step : s.steps()) {
        defs.set("steps." + s.id() + "." + step, ownImplementation(s, step));
      }
      for (String impl : ParameterCatalog.IMPLEMENTATIONS) {
        String stageParams = "params." + s.id() + "." + impl;
        defs.set(stageParams, stageParams(catalog, s, impl, refs));
        ObjectNode steps = F.objectNode();
        for (String step : s.steps()) {
          String name = s.id() + "." + step + "." + impl;
          defs.set(
              "params." + name,
              paramsObject(
                  "Parameters of "
                      + s.id()
                      + "."
                      + step
                      + " ("
                      + impl
                      + "), merged over the stage's.",
                  catalog.step(impl, s.id(), step),
                  ParameterCatalog.open(impl),
                  s.id(),
                  refs));
          // a step that names no implementation of its own runs the stage's
          ObjectNode st = F.objectNode();
          ArrayNode all = st.putArray("allOf");
          all.add(ref("steps." + s.id() + "." + step));
          ObjectNode inherit = all.addObject();
          inherit.putObject("if").putObject("not").putArray("required").add("implementation");
          inherit.putObject("then").putObject("properties").set("params", ref("params." + name));
          steps.set(step, st);
        }
        ObjectNode when = F.objectNode();
        ObjectNode cond = when.putObject("if");
        ObjectNode props = cond.putObject("properties");
        props.putObject("stage").put("const", s.id());
        props.putObject("implementation").put("const", impl);
        cond.putArray("required").add("stage").add("implementation");
        ObjectNode then = when.putObject("then").putObject("properties");
        then.set("params", ref(stageParams));
        then.putObject("steps").set("properties", steps);
        select.add(when);
      }
    }
    stage.set("allOf", select);
    return schema;
  }

  /** A stage's params: every parameter any of its steps reads under {@code impl}. */
  private static ObjectNode stageParams(
      ParameterCatalog catalog, Stage s, String impl, ParamRefs refs) {
    ObjectNode o = F.objectNode();
    o.put("type", "object");
    o.put(
        "description",
        "Parameters of stage "
            + s.id()
            + " ("
            + impl
            + "): they reach every step of the stage; each step reads its own.");
    ObjectNode props = o.putObject("properties");
    for (Map.Entry<String, List<Param<?>>> e : catalog.stage(impl, s.id()).entrySet()) {
      List<Param<?>> decls = e.getValue();
      List<String> readers = catalog.readers(impl, s.id(), e.getKey());
      if (decls.size() == 1) {
        props.set(e.getKey(), refs.of(decls.get(0), s.id(), impl));
      } else {
        // the steps read it differently: a stage-wide value must suit them all
        ObjectNode p = F.objectNode();
        ArrayNode all = p.putArray("allOf");
        decls.forEach(d -> all.add(refs.of(d, s.id(), impl)));
        p.put(
            "description",
            "Read by: "
                + join(readers)
                + ", each in its own way (set it per step under steps.<step>.params).");
        props.set(e.getKey(), p);
      }
    }
    o.set("additionalProperties", additional(ParameterCatalog.open(impl)));
    return o;
  }

  /** A step that names an implementation of its own takes that implementation's params. */
  private static ObjectNode ownImplementation(Stage s, String step) {
    ObjectNode o = F.objectNode();
    ArrayNode all = o.putArray("allOf");
    for (String own : ParameterCatalog.IMPLEMENTATIONS) {
      ObjectNode when = all.addObject();
      ObjectNode cond = when.putObject("if");
      cond.putObject("properties").putObject("implementation").put("const", own);
      cond.putArray("required").add("implementation");
      when.putObject("then")
          .putObject("properties")
          .set("params", ref("params." + s.id() + "." + step + "." + own));
    }
    return o;
  }

  private static ObjectNode paramsObject(
      String description, List<Param<?>> params, boolean open, String stage, ParamRefs refs) {
    ObjectNode o = F.objectNode();
    o.put("type", "object");
    o.put("description", description);
    ObjectNode props = o.putObject("properties");
    for (Param<?> p : params) {
      props.set(p.name(), refs.of(p, stage, null));
    }
    o.set("additionalProperties", additional(open));
    return o;
  }

  /**
   * One definition per declared parameter, {@code param.<stage>.<name>} (or {@code
   * param.synthetic.<name>}), which the params objects refer to; a name two declarations of a stage
   * share gets a number.
   */
  private static final class ParamRefs {
    private final ObjectNode defs;
    private final Map<String, String> names = new java.util.HashMap<>();

    ParamRefs(ObjectNode defs) {
      this.defs = defs;
    }

    ObjectNode of(Param<?> p, String stage, String impl) {
      boolean synthetic =
          org.connectome.tasks.synthetic.SyntheticParams.PARAMS.stream().anyMatch(x -> x == p);
      String scope = synthetic ? "synthetic" : stage;
      ObjectNode schema = p.schema();
      String key = scope + "\n" + p.name() + "\n" + schema;
      String name = names.get(key);
      if (name == null) {
        String base = "param." + scope + "." + p.name();
        name = base;
        for (int n = 2; defs.has(name); n++) {
          name = base + "." + n;
        }
        defs.set(name, schema);
        names.put(key, name);
      }
      // editors show the description beside the reference; validators follow the reference
      return ref(name).put("description", schema.get("description").asText());
    }
  }

  /** A container takes any other parameter (not null); the others none. */
  private static JsonNode additional(boolean open) {
    if (!open) {
      return F.booleanNode(false);
    }
    ObjectNode notNull = F.objectNode();
    notNull.putObject("not").put("type", "null");
    return notNull;
  }

  private static ObjectNode ref(String definition) {
    return F.objectNode().put("$ref", "#/definitions/" + definition);
  }

  private static String join(List<String> steps) {
    return String.join(", ", steps);
  }

  /**
   * {@code node} as the schema file holds it: two-space indentation, {@code "key": value}, one
   * array element per line, numbers in their plain form, a final newline.
   */
  public static String print(JsonNode node) {
    StringBuilder b = new StringBuilder();
    print(node, b, "");
    return b.append('\n').toString();
  }

  private static void print(JsonNode n, StringBuilder b, String indent) {
    String inner = indent + "  ";
    if (n.isObject()) {
      if (n.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        b.append(inner).append(F.textNode(e.getKey()).toString()).append(": ");
        print(e.getValue(), b, inner);
        b.append(it.hasNext() ? ",\n" : "\n");
      }
      b.append(indent).append('}');
    } else if (n.isArray()) {
      if (n.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append("[\n");
      for (int i = 0; i < n.size(); i++) {
        b.append(inner);
        print(n.get(i), b, inner);
        b.append(i + 1 < n.size() ? ",\n" : "\n");
      }
      b.append(indent).append(']');
    } else if (n.isNumber()) {
      BigDecimal d = n.decimalValue().stripTrailingZeros();
      b.append(d.scale() <= 0 ? d.toBigInteger().toString() : d.toPlainString());
    } else {
      b.append(n.toString());
    }
  }
}
