package org.connectome.catalog;

import java.util.Locale;

/** The SQL databases the catalog runs on. */
public enum Dialect {
  H2("h2", "org.h2.Driver"),
  POSTGRESQL("postgresql", "org.postgresql.Driver");

  private final String resourceDir;
  private final String driverClass;

  Dialect(String resourceDir, String driverClass) {
    this.resourceDir = resourceDir;
    this.driverClass = driverClass;
  }

  /**
   * The folder of a store's migrations holding those written for this dialect ({@code h2}, {@code
   * postgresql}).
   */
  public String resourceDir() {
    return resourceDir;
  }

  String driverClass() {
    return driverClass;
  }

  /** The dialect of a JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql:...}). */
  public static Dialect fromJdbcUrl(String jdbcUrl) {
    String u = jdbcUrl == null ? "" : jdbcUrl.trim().toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:h2:")) {
      return H2;
    }
    if (u.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new CatalogException(
        "unsupported catalog database URL "
            + Database.maskUrl(jdbcUrl)
            + ": expected jdbc:h2:... or jdbc:postgresql://...");
  }
}
