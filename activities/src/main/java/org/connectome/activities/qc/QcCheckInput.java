package org.connectome.activities.qc;

import java.util.List;
import org.connectome.activities.RunLocation;
import org.connectome.spec.QcGateSpec;

/**
 * @param run where the run's data lives
 * @param stage the stage that finished
 * @param gates the run's gates on that stage
 */
public record QcCheckInput(RunLocation run, String stage, List<QcGateSpec> gates) {
  public QcCheckInput {
    gates = List.copyOf(gates);
  }
}
