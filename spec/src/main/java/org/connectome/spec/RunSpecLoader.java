package org.connectome.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Loads a run specification from YAML and reports every problem in it at once, each naming the
 * file, line and field ({@code run.yaml:14: stages[3].unitsPerTask: must be > 0}).
 *
 * <p>The steps: read the YAML (a syntax error is reported with its line and column), validate the
 * document against the JSON Schema {@value RunSpecSchema#RESOURCE}, bind it to {@link RunSpec},
 * resolve {@code dataRoot} (default {@code data}) and {@code acquisition} against the spec's
 * folder, then run the built-in semantic checks and the {@link SpecCheck}s given to the
 * constructor. Errors come sorted by line, then path.
 *
 * <p>{@link #toJson}, {@link #fromJson} and {@link #toYaml} store a loaded spec (in the catalog, in
 * a workflow's input) and read it back as an equal record.
 */
public final class RunSpecLoader {
  /**
   * Omits nulls, writes durations as ISO-8601 (the records' annotations) and map entries sorted by
   * key.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private static final ObjectMapper YAML =
      YAMLMapper.builder(
              new YAMLFactory()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS))
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();
  private static final ObjectReader STRICT_READER =
      JSON.readerFor(RunSpec.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final ObjectReader LENIENT_READER =
      JSON.readerFor(RunSpec.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final SpecCheck BUILT_IN = new BuiltInChecks();
  private static final Comparator<SpecError> FILE_ORDER =
      Comparator.comparingInt(SpecError::line).thenComparing(SpecError::path);

  private final List<SpecCheck> checks;

  /** A loader that runs {@code checks} after the built-in ones. */
  public RunSpecLoader(List<SpecCheck> checks) {
    this.checks = List.copyOf(checks);
  }

  /** A loader with the built-in checks only. */
  public RunSpecLoader() {
    this(List.of());
  }

  /**
   * Loads {@code file}; errors name it as given ({@code file.toString()}), relative paths in it are
   * resolved against its folder.
   *
   * @throws InvalidSpecException listing every problem found
   * @throws IOException when the file cannot be read
   */
  public RunSpec load(Path file) throws InvalidSpecException, IOException {
    return load(file, w -> {});
  }

  /** As {@link #load(Path)}, passing the checks' warnings to {@code warnings}. */
  public RunSpec load(Path file, java.util.function.Consumer<SpecError> warnings)
      throws InvalidSpecException, IOException {
    String text = Files.readString(file);
    Path base = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), base, warnings);
  }

  /**
   * Parses {@code yaml}.
   *
   * @param sourceName the name errors give the file
   * @param baseDir the folder relative paths are resolved against; null for the working directory
   * @throws InvalidSpecException listing every problem found, sorted by line then path
   */
  public RunSpec parse(String yaml, String sourceName, Path baseDir) throws InvalidSpecException {
    return parse(yaml, sourceName, baseDir, w -> {});
  }

  /** As {@link #parse(String, String, Path)}, passing the checks' warnings to {@code warnings}. */
  public RunSpec parse(
      String yaml, String sourceName, Path baseDir, java.util.function.Consumer<SpecError> warnings)
      throws InvalidSpecException {
    YamlDocument doc = YamlDocument.parse(yaml, sourceName);
    JsonNode tree = doc.tree();
    if (tree == null) {
      throw new InvalidSpecException(
          List.of(
              new SpecError(
                  sourceName,
                  0,
                  "",
                  "the file is empty; a run spec needs at least sample, run and stages")));
    }
    List<SpecError> schemaErrors = RunSpecSchema.validate(tree, sourceName, doc::lineOf);
    if (!schemaErrors.isEmpty()) {
      throw sorted(schemaErrors);
    }
    RunSpec spec;
    try {
      spec = STRICT_READER.readValue(tree);
    } catch (JsonMappingException e) {
      String path = jacksonPath(e);
      throw new InvalidSpecException(
          List.of(new SpecError(sourceName, doc.lineOf(path), path, bindingMessage(e))));
    } catch (IOException e) {
      throw new InvalidSpecException(
          List.of(new SpecError(sourceName, 0, "", "cannot be read: " + e.getMessage())));
    }
    spec =
        spec.withDataRoot(resolvePath(baseDir, spec.dataRoot() == null ? "data" : spec.dataRoot()));
    if (spec.acquisition() != null) {
      spec = spec.withAcquisition(resolvePath(baseDir, spec.acquisition()));
    }
    SpecErrors errors = new SpecErrors(sourceName, doc::lineOf);
    BUILT_IN.check(spec, errors);
    for (SpecCheck c : checks) {
      c.check(spec, errors);
    }
    if (!errors.isEmpty()) {
      throw sorted(errors.list());
    }
    errors.warnings().forEach(warnings);
    return spec;
  }

  /**
   * {@code path} as an absolute, normalized path: {@code ~} and {@code ~/...} are under the user's
   * home, a relative path is under {@code baseDir} (the working directory when null).
   */
  public static String resolvePath(Path baseDir, String path) {
    Path p;
    if (path.equals("~")) {
      p = Path.of(System.getProperty("user.home"));
    } else if (path.startsWith("~/")) {
      p = Path.of(System.getProperty("user.home")).resolve(path.substring(2));
    } else {
      Path base = baseDir == null ? Path.of("") : baseDir;
      p = base.toAbsolutePath().resolve(path);
    }
    return p.toAbsolutePath().normalize().toString();
  }

  /** {@code spec} as JSON: nulls omitted, durations as ISO-8601, map entries sorted by key. */
  public static String toJson(RunSpec spec) {
    try {
      return JSON.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a run spec could not be written as JSON", e);
    }
  }

  /**
   * Reads what {@link #toJson} wrote, as an equal record. Fields this version does not know are
   * ignored, so specs stored by a newer version still read; no validation or path resolution
   * happens here.
   *
   * @throws IllegalArgumentException when {@code json} is not a run spec
   */
  public static RunSpec fromJson(String json) {
    try {
      return LENIENT_READER.readValue(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a stored run spec: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * {@code spec} as YAML that {@link #parse} reads back as an equal record (paths are already
   * absolute).
   */
  public static String toYaml(RunSpec spec) {
    try {
      return YAML.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InvalidSpecException sorted(List<SpecError> errors) {
    List<SpecError> list = new ArrayList<>(errors);
    list.sort(FILE_ORDER);
    return new InvalidSpecException(list);
  }

  private static String jacksonPath(JsonMappingException e) {
    String path = "";
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        path = SpecPaths.field(path, r.getFieldName());
      } else if (r.getIndex() >= 0) {
        path = SpecPaths.index(path, r.getIndex());
      }
    }
    return path;
  }

  private static String bindingMessage(JsonMappingException e) {
    if (e instanceof InvalidFormatException f && f.getTargetType() == Duration.class) {
      return "'" + f.getValue() + "' is not a duration (examples: 500ms, 30s, 5m, 2h, 1d, PT30S)";
    }
    String text = e.getOriginalMessage();
    return "cannot be read: "
        + (text == null ? e.getClass().getSimpleName() : text.lines().findFirst().orElse(text));
  }
}
