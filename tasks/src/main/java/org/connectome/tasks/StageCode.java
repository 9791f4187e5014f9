package org.connectome.tasks;

import java.util.List;

/**
 * Stage code a module contributes to the task entry point, found with {@link
 * java.util.ServiceLoader} (a {@code META-INF/services/org.connectome.tasks.StageCode} file names
 * the implementations): the reference stitching, alignment, segmentation and so on register their
 * unit runners this way, so the task image runs whatever code is on its class path.
 */
public interface StageCode {
  /**
   * One step's unit runner.
   *
   * @param implementation the implementation name, for example {@code reference}
   * @param stage stage id
   * @param step step name
   * @param factory makes the step's runner
   */
  record Runner(String implementation, String stage, String step, UnitRunnerFactory factory) {}

  List<Runner> runners();
}
