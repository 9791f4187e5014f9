package org.connectome.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.connectome.spec.InvalidSpecException;
import org.connectome.spec.RunSpec;
import org.connectome.spec.RunSpecLoader;
import org.connectome.spec.SpecError;
import org.connectome.tasks.PlatformSpecChecks;

/** Loads run specs for commands, printing every problem at once. */
final class SpecFiles {
  private SpecFiles() {}

  /** The spec, or null after printing its errors to {@code err}. */
  static RunSpec load(Path file, PrintStream err) {
    if (!Files.isRegularFile(file)) {
      err.println(file + ": no such spec file");
      return null;
    }
    try {
      return new RunSpecLoader(PlatformSpecChecks.all()).load(file);
    } catch (InvalidSpecException e) {
      for (SpecError error : e.errors()) {
        err.println(error);
      }
      err.println(e.errors().size() + (e.errors().size() == 1 ? " problem" : " problems") + " in " + file
          + "; nothing was started");
      return null;
    } catch (IOException e) {
      err.println(file + ": cannot read: " + e.getMessage());
      return null;
    }
  }

  static RunSpec fromCatalog(String specJson) {
    return RunSpecLoader.fromJson(specJson);
  }
}
