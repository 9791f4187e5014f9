package org.connectome.cli;

/** Exit codes of the {@code connectome} command; the README lists them too. */
public final class ExitCodes {
  /**
   * The run finished (every stage done, failures within budget), or the command did what it was
   * asked.
   */
  public static final int OK = 0;

  /** The run failed: a stage failed beyond its failure budget and automatic resumes. */
  public static final int RUN_FAILED = 1;

  /** Bad command line or invalid run spec; the errors name the option, file, line and field. */
  public static final int USAGE = 2;

  /** The run was cancelled. */
  public static final int CANCELLED = 3;

  /** No such run in the catalog. */
  public static final int NOT_FOUND = 4;

  /** Temporal or the catalog cannot be reached, or another failure of the platform itself. */
  public static final int UNAVAILABLE = 5;

  /**
   * Interrupted (Ctrl-C) while driving a run on the embedded default; resume it with {@code
   * resume}.
   */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}
}
