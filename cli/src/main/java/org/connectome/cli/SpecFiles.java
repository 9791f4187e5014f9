package org.connectome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.connectome.ingest.IngestExecutor;
import org.connectome.ingest.IngestParams;
import org.connectome.spec.InvalidSpecException;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.SpecCheck;
import org.connectome.spec.SpecError;
import org.connectome.tasks.PlatformSpecChecks;

/** Loads run specs for commands, printing every problem at once. */
final class SpecFiles {
  private SpecFiles() {}

  /** The spec, or null after printing its errors to {@code err}. */
  static RunSpec load(Path file, PrintStream err) {
    if (!Files.isRegularFile(file)) {
      err.println(
          file
              + (Files.exists(file)
                  ? ": not a regular file (a run spec is a YAML file)"
                  : ": no such spec file"));
      return null;
    }
    try {
      List<SpecError> warnings = new ArrayList<>();
      List<SpecCheck> checks = checks();
      checks.add(new WorldChecks());
      RunSpec spec = new RunSpecLoader(checks).load(file, warnings::add);
      for (SpecError w : warnings) {
        err.println(w.toString().replaceFirst(": ", ": warning: "));
      }
      return spec;
    } catch (InvalidSpecException e) {
      for (SpecError error : e.errors()) {
        err.println(error);
      }
      err.println(
          e.errors().size()
              + (e.errors().size() == 1 ? " problem" : " problems")
              + " in "
              + file
              + "; nothing was started");
      return null;
    } catch (java.nio.charset.CharacterCodingException e) {
      err.println(file + ": not a text file (a run spec is YAML, in UTF-8); nothing was started");
      return null;
    } catch (IOException e) {
      err.println(file + ": cannot read: " + e.getMessage());
      return null;
    }
  }

  /**
   * The checks of this build: the platform's, and those of the stage code that runs in the workers.
   */
  static List<SpecCheck> checks() {
    List<SpecCheck> checks = new ArrayList<>(PlatformSpecChecks.all(Set.of(IngestExecutor.ROUTE)));
    checks.add(IngestParams.check());
    return checks;
  }

  static RunSpec fromCatalog(String specJson) {
    return RunSpecLoader.fromJson(specJson);
  }
}
