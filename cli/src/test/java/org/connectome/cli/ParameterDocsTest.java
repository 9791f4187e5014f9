package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.connectome.spec.RunSpecSchema;
import org.connectome.tasks.params.ParameterCatalog;
import org.connectome.tasks.params.ParameterDocs;
import org.connectome.tasks.params.RunSpecSchemaGenerator;
import org.junit.jupiter.api.Test;

/**
 * The run-spec schema and the README's parameter lists are what the steps' declarations generate,
 * on this module's class path (every stage's code). With {@code -Dconnectome.writeDocs=true} the
 * test writes them instead.
 */
class ParameterDocsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final boolean WRITE = Boolean.getBoolean("connectome.writeDocs");
  private static final String HOW =
      " is not what the parameter declarations generate; rewrite it with: mvn -pl cli -am test"
          + " -Dtest=ParameterDocsTest -Dsurefire.failIfNoSpecifiedTests=false"
          + " -Dconnectome.writeDocs=true";

  @Test
  void theSchemaIsGeneratedFromTheDeclarations() throws Exception {
    Path file = ROOT.resolve("schema/run-spec.schema.json");
    String committed = Files.readString(file, StandardCharsets.UTF_8);
    JsonNode tree = new ObjectMapper().readTree(committed);
    String generated =
        RunSpecSchemaGenerator.print(
            RunSpecSchemaGenerator.generate(tree, ParameterCatalog.load()));
    if (WRITE) {
      Files.writeString(file, generated, StandardCharsets.UTF_8);
      return;
    }
    assertEquals(generated, committed, file + HOW);
    // the loader validates against the same text (the jar's copy of the file)
    assertEquals(committed, RunSpecSchema.text(), "the spec jar ships another schema");
  }

  @Test
  void theReadmeListsTheDeclaredParameters() throws Exception {
    Path file = ROOT.resolve("README.md");
    String committed = Files.readString(file, StandardCharsets.UTF_8);
    String generated = ParameterDocs.replace(committed, ParameterCatalog.load());
    if (WRITE) {
      Files.writeString(file, generated, StandardCharsets.UTF_8);
      return;
    }
    assertEquals(generated, committed, file + HOW);
    assertTrue(committed.contains("| `maxResidualPx` | stitch (reference) |"), "stitch's gate");
  }
}
