package org.connectome.catalog;

/** What a control request asks the process driving a run to do. */
public enum ControlAction {
  PAUSE,
  RESUME,
  CANCEL,
  RETRY_FAILED
}
