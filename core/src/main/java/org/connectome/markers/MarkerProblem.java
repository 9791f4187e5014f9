package org.connectome.markers;

/** Why a unit that has a completion marker does not count as done. */
public enum MarkerProblem {
  /** The marker file is empty (the disk filled up, or it was truncated). */
  EMPTY("marker empty"),
  /** The marker is not a marker: not JSON, or not the fields of one. */
  UNREADABLE("marker unreadable"),
  /** The marker's content names another unit or parameters hash than its file name. */
  OTHER_PARAMETERS("marker names other parameters"),
  /** An output the marker lists is gone (or is no longer a regular file). */
  OUTPUT_MISSING("output missing"),
  /** An output has another size than the marker recorded: cut short or replaced. */
  OUTPUT_SIZE("output of the wrong size"),
  /** An output has its recorded size but not its checksum (only a checksum check finds this). */
  OUTPUT_CHECKSUM("output checksum differs");

  private final String words;

  MarkerProblem(String words) {
    this.words = words;
  }

  /** The problem in a few words, as events and reports say it. */
  public String words() {
    return words;
  }
}
