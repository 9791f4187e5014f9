package org.connectome.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/** Collects {@link SpecError}s for one spec file, giving each the line of the field it names. */
public final class SpecErrors {
  private final String file;
  private final ToIntFunction<String> lineOfPath;
  private final List<SpecError> errors = new ArrayList<>();
  private final List<SpecError> warnings = new ArrayList<>();

  /**
   * @param file the spec file's name as errors show it
   * @param lineOfPath the 1-based line of a field path, or 0 when unknown
   */
  public SpecErrors(String file, ToIntFunction<String> lineOfPath) {
    this.file = file;
    this.lineOfPath = lineOfPath;
  }

  /**
   * Records that the field at {@code path} (for example {@code stages[3].unitsPerTask}) is wrong.
   */
  public void add(String path, String message) {
    errors.add(new SpecError(file, lineOfPath.applyAsInt(path), path, message));
  }

  /**
   * Records something at {@code path} that is not wrong enough to stop the run but worth saying
   * ({@code volume.sections} against the sections found).
   */
  public void warn(String path, String message) {
    warnings.add(new SpecError(file, lineOfPath.applyAsInt(path), path, message));
  }

  public List<SpecError> warnings() {
    return List.copyOf(warnings);
  }

  public boolean isEmpty() {
    return errors.isEmpty();
  }

  public List<SpecError> list() {
    return List.copyOf(errors);
  }
}
