package org.connectome.tasks;

import java.util.List;
import org.connectome.spec.Param;

/**
 * The parameters a module's stage code reads, found with {@link java.util.ServiceLoader} (a {@code
 * META-INF/services/org.connectome.tasks.StepParameters} file names the implementations), so that
 * the run-spec schema, {@code validate} and the README know every parameter of every step.
 */
public interface StepParameters {
  /**
   * The parameters one step reads when it runs {@code implementation}.
   *
   * @param implementation {@code reference}, or a facility's own name
   * @param stage stage id
   * @param step step name
   * @param params the parameters, besides those the planner reads
   */
  record Declaration(String implementation, String stage, String step, List<Param<?>> params) {}

  List<Declaration> declarations();
}
