package org.connectome.catalog;

/** The run ({@code sample/run}) is not registered in the catalog. */
public class NoSuchRunException extends CatalogException {
  private static final long serialVersionUID = 1L;
  private final String runId;

  public NoSuchRunException(String runId) {
    super("no run '" + runId + "' in the catalog");
    this.runId = runId;
  }

  public String runId() {
    return runId;
  }
}
