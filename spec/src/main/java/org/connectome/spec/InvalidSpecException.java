package org.connectome.spec;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A run specification that cannot be used; {@link #errors()} lists every problem found, in file
 * order.
 */
public class InvalidSpecException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<SpecError> errors;

  public InvalidSpecException(List<SpecError> errors) {
    super(errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<SpecError> errors() {
    return errors;
  }
}
