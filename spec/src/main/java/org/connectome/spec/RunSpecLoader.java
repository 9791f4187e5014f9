package org.connectome.spec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a run specification from YAML. (Provisional: schema validation and line numbers are being added.)
 */
public final class RunSpecLoader {
  private final List<SpecCheck> checks;

  public RunSpecLoader(List<SpecCheck> checks) {
    this.checks = List.copyOf(checks);
  }

  public RunSpecLoader() {
    this(List.of());
  }

  public RunSpec load(Path file) throws InvalidSpecException, IOException {
    String text = Files.readString(file);
    Path base = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), base);
  }

  public RunSpec parse(String yaml, String sourceName, Path baseDir) throws InvalidSpecException {
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    RunSpec spec;
    try {
      spec = mapper.readValue(yaml, RunSpec.class);
    } catch (IOException e) {
      throw new InvalidSpecException(List.of(new SpecError(sourceName, 0, "", e.getMessage())));
    }
    spec = spec.withDataRoot(baseDir.resolve(spec.dataRoot() == null ? "data" : spec.dataRoot()).normalize()
        .toString());
    if (spec.acquisition() != null) {
      spec = spec.withAcquisition(baseDir.resolve(spec.acquisition()).normalize().toString());
    }
    SpecErrors errors = new SpecErrors(sourceName, p -> 0);
    for (SpecCheck c : checks) {
      c.check(spec, errors);
    }
    if (!errors.isEmpty()) {
      throw new InvalidSpecException(errors.list());
    }
    return spec;
  }
}
