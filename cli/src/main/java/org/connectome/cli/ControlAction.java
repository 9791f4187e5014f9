package org.connectome.cli;

/** What an operator can ask of a running run; each is one signal to its workflow. */
enum ControlAction {
  PAUSE("pause"),
  RESUME("resume"),
  APPROVE("approve"),
  CANCEL("cancel"),
  RETRY_FAILED("retry its failed units");

  final String verb;

  ControlAction(String verb) {
    this.verb = verb;
  }
}
