package org.connectome.catalog;

/** Kinds of run events recorded in the catalog. */
public enum EventKind {
  RUN_STARTED,
  RUN_RESUMED,
  RUN_FINISHED,
  RUN_FAILED,
  RUN_CANCELLED,
  RUN_PAUSED,
  /** A stage missed a quality-control gate: the run is paused until approved or cancelled. */
  RUN_HELD,
  RUN_UNPAUSED,
  STAGE_STARTED,
  STAGE_FINISHED,
  STAGE_FAILED,
  STAGE_RESUMED,
  STEP_STARTED,
  STEP_FINISHED,
  STEP_FAILED,
  UNITS_FAILED,
  /** Units whose marker did not hold up (outputs missing or cut short) and that run again. */
  UNITS_REDONE,
  RETRY_FAILED_REQUESTED
}
