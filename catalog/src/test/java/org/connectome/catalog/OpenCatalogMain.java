package org.connectome.catalog;

/**
 * Run in child JVMs by H2CatalogTest: opens (and so migrates) a catalog and prints its schema
 * version.
 */
public final class OpenCatalogMain {
  private OpenCatalogMain() {}

  public static void main(String[] args) {
    try (Catalog c = Catalog.open(args[0])) {
      System.out.println("version=" + c.schemaVersion());
    }
  }
}
