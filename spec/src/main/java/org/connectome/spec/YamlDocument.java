package org.connectome.spec;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * One YAML document read into a Jackson tree, with the 1-based line of every field path in it
 * ({@code stages[3].unitsPerTask}, see {@link SpecPaths}).
 */
final class YamlDocument {
  // new YAMLFactory() rather than YAMLFactory.builder(): the builder drops the default
  // EMPTY_STRING_AS_NULL, which
  // turns "key:" with no value into "" instead of null
  private static final YAMLFactory FACTORY =
      (YAMLFactory) new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final ObjectMapper TREE_MAPPER = new ObjectMapper(FACTORY);

  private final JsonNode tree;
  private final Map<String, Integer> lines;

  private YamlDocument(JsonNode tree, Map<String, Integer> lines) {
    this.tree = tree;
    this.lines = lines;
  }

  /** The document, or null when the text holds no document (empty, or comments only). */
  JsonNode tree() {
    return tree;
  }

  /**
   * The line of {@code path}; for a path that is not in the document, the line of its nearest
   * ancestor that is; 0 when none is.
   */
  int lineOf(String path) {
    String p = path;
    while (true) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
      if (p.isEmpty()) {
        return 0;
      }
      p = SpecPaths.parent(p);
    }
  }

  /**
   * Reads {@code yaml}; a YAML syntax error becomes one {@link SpecError} naming its line and
   * column.
   */
  static YamlDocument parse(String yaml, String file) throws InvalidSpecException {
    JsonNode tree;
    try (JsonParser p = FACTORY.createParser(yaml)) {
      tree = TREE_MAPPER.readTree(p);
      JsonToken more = p.nextToken();
      if (more != null) {
        throw invalid(
            file,
            p.currentTokenLocation().getLineNr(),
            "",
            "a spec file holds one YAML document; remove the second one (after '---')");
      }
    } catch (JsonProcessingException e) {
      throw syntaxError(file, e);
    } catch (IOException e) {
      throw invalid(file, 0, "", "cannot be read: " + e.getMessage());
    }
    Map<String, Integer> lines = new HashMap<>();
    if (tree != null && !tree.isMissingNode()) {
      try (JsonParser p = FACTORY.createParser(yaml)) {
        p.nextToken();
        walk(p, "", lines, file);
      } catch (JsonProcessingException e) {
        throw syntaxError(file, e);
      } catch (IOException e) {
        throw invalid(file, 0, "", "cannot be read: " + e.getMessage());
      }
    } else {
      tree = null;
    }
    return new YamlDocument(tree, lines);
  }

  /** Records the line of the value at the current token and of everything inside it. */
  private static void walk(JsonParser p, String path, Map<String, Integer> lines, String file)
      throws IOException, InvalidSpecException {
    lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String child = SpecPaths.field(path, p.currentName());
        lines.put(child, p.currentTokenLocation().getLineNr());
        p.nextToken();
        walk(p, child, lines, file);
      }
    } else if (t == JsonToken.START_ARRAY) {
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        walk(p, SpecPaths.index(path, i++), lines, file);
      }
    } else if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      // Jackson reads an alias as the anchor's name, not as the anchored value: refuse it rather
      // than misread
      throw invalid(
          file,
          p.currentTokenLocation().getLineNr(),
          path,
          "YAML aliases (*" + p.getText() + ") are not supported; write the value out");
    }
  }

  private static InvalidSpecException syntaxError(String file, JsonProcessingException e) {
    int line = 0;
    int column = 0;
    String problem;
    if (e.getCause() instanceof MarkedYAMLException m) {
      problem = m.getProblem();
      if (problem != null && problem.contains("(TAB)")) {
        problem = "a tab cannot indent YAML; use spaces";
      } else if (m.getContext() != null) {
        problem += " (" + m.getContext() + ")";
      }
      Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
      if (mark != null) {
        line = mark.getLine() + 1;
        column = mark.getColumn() + 1;
      }
    } else {
      problem = e.getOriginalMessage();
      if (e instanceof JsonParseException && problem.startsWith("Duplicate field ")) {
        problem = "duplicate key " + problem.substring("Duplicate field ".length());
      }
      if (e.getLocation() != null) {
        line = e.getLocation().getLineNr();
        column = e.getLocation().getColumnNr();
      }
    }
    problem =
        problem == null
            ? "unreadable YAML"
            : plainWords(problem.strip().lines().findFirst().orElse(problem));
    String where = column > 0 ? " at column " + column : "";
    return invalid(file, Math.max(line, 0), "", "YAML syntax error" + where + ": " + problem);
  }

  /** The parser's names for tokens and events, as people say them. */
  private static final List<String[]> WORDS =
      List.of(
          new String[] {"expected the node content", "expected a value"},
          new String[] {"found unexpected end of stream", "the file ends here"},
          new String[] {"'<stream end>'", "the end of the file"},
          new String[] {"<stream end>", "the end of the file"},
          new String[] {
            "'<block mapping start>'", "a key indented differently from its neighbours"
          },
          new String[] {"'<block sequence start>'", "a list item indented differently"},
          new String[] {"'<block end>'", "the end of an indented block"},
          new String[] {"<block end>", "the end of an indented block"},
          new String[] {"'<document start>'", "a second document ('---')"},
          new String[] {"while parsing a block collection", "in an indented block"},
          new String[] {"while parsing a block mapping", "in an indented mapping"},
          new String[] {"while parsing a flow node", "in a [...] or {...} value"},
          new String[] {"while parsing a flow mapping", "in a {...} value"},
          new String[] {"while parsing a flow sequence", "in a [...] value"},
          new String[] {"while scanning a quoted scalar", "in a quoted value"},
          new String[] {"while scanning a simple key", "after a key"});

  /**
   * {@code problem} without the parser's internals: token names in words, and Jackson's report of a
   * key that is not a plain name ({@code got this instead: <...SequenceStartEvent(...)>}).
   */
  static String plainWords(String problem) {
    if (problem.startsWith("Expected a field name")) {
      String kind =
          problem.contains("SequenceStart")
              ? "a list"
              : problem.contains("MappingStart") ? "a mapping" : "something else";
      return "a key must be a plain name (sample, run, stages, ...), not " + kind;
    }
    String out = problem;
    for (String[] w : WORDS) {
      out = out.replace(w[0], w[1]);
    }
    return out.replaceAll("<org\\.yaml\\.snakeyaml\\.[^>]*>", "an unexpected value");
  }

  private static InvalidSpecException invalid(String file, int line, String path, String message) {
    return new InvalidSpecException(List.of(new SpecError(file, line, path, message)));
  }
}
