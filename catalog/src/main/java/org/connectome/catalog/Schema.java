package org.connectome.catalog;

import java.util.Map;
import java.util.Objects;

/**
 * The tables of one store and their history: Flyway migrations {@code V<n>__<what>.sql} under a
 * class-path folder, recorded in the store's own history table, so that stores of several modules
 * share one database and each moves at its own pace.
 *
 * @param name what the store is called in messages ({@code catalog}, {@code ingest})
 * @param location class-path folder whose {@code common/} holds the migrations of every dialect and
 *     whose {@code h2/} and {@code postgresql/} hold those written per dialect (a version is either
 *     common or in both dialect folders)
 * @param historyTable the store's Flyway schema history table
 * @param legacyVersions the store's versions in {@code catalog_schema_version}, the table of the
 *     migration runner before Flyway: each old version mapped to this store's version that has the
 *     same tables. A database that runner wrote is adopted at the highest version it maps to.
 * @param loader the class loader that sees {@code location}
 */
public record Schema(
    String name,
    String location,
    String historyTable,
    Map<Integer, Integer> legacyVersions,
    ClassLoader loader) {
  public Schema {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(historyTable, "historyTable");
    legacyVersions = Map.copyOf(legacyVersions);
    Objects.requireNonNull(loader, "loader");
  }
}
