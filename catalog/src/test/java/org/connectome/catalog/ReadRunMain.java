package org.connectome.catalog;

/**
 * Run in a child JVM by H2CatalogTest: reads a run's status from a catalog another process holds
 * open.
 */
public final class ReadRunMain {
  private ReadRunMain() {}

  public static void main(String[] args) {
    try (Catalog c = Catalog.open(args[0])) {
      RunStatus s = c.progress().status(args[1]);
      System.out.println("state=" + s.run().state() + " stages=" + s.stages().size());
      c.events()
          .record(
              new RunEvent(
                  0, args[1], null, null, EventKind.RUN_RESUMED, "from a second process", null));
    }
  }
}
