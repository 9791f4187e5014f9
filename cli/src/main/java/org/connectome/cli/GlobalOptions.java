package org.connectome.cli;

import java.nio.file.Path;
import org.connectome.catalog.Catalog;
import picocli.CommandLine.Option;

/** Options every command takes: where Temporal and the catalog are. */
public final class GlobalOptions {
  @Option(
      names = "--temporal",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:CX_TEMPORAL_ADDRESS}",
      description =
          "Temporal frontend address of a cluster (env CX_TEMPORAL_ADDRESS). Without it, commands use the "
              + "embedded default: Temporal's test server inside this process, no cluster needed.")
  String temporal;

  @Option(
      names = "--namespace",
      defaultValue = "${env:CX_TEMPORAL_NAMESPACE:-default}",
      description = "Temporal namespace (env CX_TEMPORAL_NAMESPACE; default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--catalog",
      paramLabel = "JDBC_URL",
      defaultValue = "${env:CX_CATALOG_URL}",
      description =
          "Catalog database (env CX_CATALOG_URL): jdbc:postgresql://... or jdbc:h2:file:... "
              + "Default: an H2 file in $CX_HOME (./.connectome).")
  String catalogUrl;

  @Option(
      names = "--catalog-user",
      defaultValue = "${env:CX_CATALOG_USER}",
      description = "Catalog user.")
  String catalogUser;

  @Option(
      names = "--catalog-password",
      defaultValue = "${env:CX_CATALOG_PASSWORD}",
      description = "Catalog password (prefer the environment variable CX_CATALOG_PASSWORD).")
  String catalogPassword;

  /** {@code $CX_HOME}, default {@code ./.connectome}: the embedded catalog and logs live there. */
  static Path home() {
    String h = System.getenv("CX_HOME");
    return Path.of(h == null || h.isBlank() ? ".connectome" : h).toAbsolutePath().normalize();
  }

  String catalogUrl() {
    if (catalogUrl != null && !catalogUrl.isBlank()) {
      return catalogUrl;
    }
    return Catalog.h2FileUrl(home().resolve("catalog"));
  }

  boolean embedded() {
    return temporal == null || temporal.isBlank();
  }
}
