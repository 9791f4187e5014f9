package org.connectome.workflows.samplerun;

import io.temporal.workflow.Workflow;
import java.util.List;
import org.connectome.activities.RunLocation;
import org.connectome.activities.qc.QcActivities;
import org.connectome.activities.qc.QcCheckInput;
import org.connectome.activities.qc.QcCheckResult;
import org.connectome.spec.QcGateSpec;
import org.connectome.spec.RunSpec;
import org.connectome.workflows.ActivityTimeouts;

/**
 * The run's quality-control gates ({@code qcGates} in the spec): when a stage finishes, its gates
 * are checked against the figures its units published, and a missed gate holds the run for review
 * until an operator approves, resumes or cancels it. A run without gates on a stage checks nothing
 * there (no activity, so histories of runs without gates are unchanged). Workflow code.
 */
final class QualityGates {
  private final RunSpec spec;
  private final StepRunner runner;
  private final QcActivities qc =
      Workflow.newActivityStub(QcActivities.class, ActivityTimeouts.of(null).planningOptions());

  QualityGates(RunSpec spec, StepRunner runner) {
    this.spec = spec;
    this.runner = runner;
  }

  /** Checks the gates of a stage that just finished; holds the run while one is missed. */
  void afterStage(String stage) {
    List<QcGateSpec> gates = spec.qcGates().stream().filter(g -> stage.equals(g.stage())).toList();
    if (gates.isEmpty()) {
      return;
    }
    QcCheckResult r = qc.checkGates(new QcCheckInput(RunLocation.of(spec), stage, gates));
    if (!r.missed().isEmpty()) {
      runner.holdForReview(String.join("; ", r.missed()));
    }
  }
}
