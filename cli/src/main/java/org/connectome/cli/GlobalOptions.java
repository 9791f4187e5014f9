package org.connectome.cli;

import java.nio.file.Path;
import org.connectome.catalog.Catalog;
import org.connectome.temporal.ClusterConnection;
import picocli.CommandLine.Option;

/** Options every command takes: where Temporal and the catalog are. */
public final class GlobalOptions {
  @Option(
      names = "--temporal",
      paramLabel = "local|in-memory|HOST:PORT",
      defaultValue = "${env:CX_TEMPORAL_ADDRESS:-local}",
      description =
          "Which Temporal (env CX_TEMPORAL_ADDRESS). local (default): the Temporal server of $CX_HOME,"
              + " started on first need and kept running (state in $CX_HOME/temporal, Web UI on"
              + " loopback; 'connectome server stop' stops it). HOST:PORT: a Temporal cluster."
              + " in-memory: Temporal's test server inside this process, state lost when it ends.")
  String temporal;

  @Option(
      names = "--namespace",
      defaultValue = "${env:CX_TEMPORAL_NAMESPACE:-default}",
      description = "Temporal namespace (env CX_TEMPORAL_NAMESPACE; default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--tls-ca",
      paramLabel = "PEM",
      defaultValue = "${env:CX_TEMPORAL_TLS_CA}",
      description =
          "Cluster: TLS with this CA certificate (env CX_TEMPORAL_TLS_CA); --tls alone trusts the JVM's CAs.")
  Path tlsCa;

  @Option(
      names = "--tls",
      defaultValue = "${env:CX_TEMPORAL_TLS:-false}",
      description = "Cluster: connect with TLS (implied by the other --tls-* options).")
  boolean tls;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      defaultValue = "${env:CX_TEMPORAL_TLS_CERT}",
      description = "Cluster: client certificate for mutual TLS (env CX_TEMPORAL_TLS_CERT).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      defaultValue = "${env:CX_TEMPORAL_TLS_KEY}",
      description = "Cluster: the client certificate's PKCS#8 key (env CX_TEMPORAL_TLS_KEY).")
  Path tlsKey;

  @Option(
      names = "--tls-server-name",
      paramLabel = "NAME",
      defaultValue = "${env:CX_TEMPORAL_TLS_SERVER_NAME}",
      description =
          "Cluster: the name on the server's certificate when it differs from HOST"
              + " (env CX_TEMPORAL_TLS_SERVER_NAME).")
  String tlsServerName;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:CX_TEMPORAL_API_KEY}",
      description = "Cluster: API key (prefer the environment variable CX_TEMPORAL_API_KEY).")
  String apiKey;

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

  /**
   * {@code $CX_HOME}, default {@code ./.connectome}: the local catalog and Temporal server live
   * there.
   */
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

  /** The Temporal these options name. */
  TemporalTarget target() {
    String t = temporal == null || temporal.isBlank() ? "local" : temporal.trim();
    return switch (t) {
      case "local" -> new TemporalTarget.Local(home().resolve("temporal"), namespace);
      case "in-memory" -> new TemporalTarget.InMemory(namespace);
      default -> {
        boolean anyTls =
            tls || tlsCa != null || tlsCert != null || tlsKey != null || tlsServerName != null;
        yield new TemporalTarget.Cluster(
            new ClusterConnection(
                t,
                namespace,
                anyTls ? new ClusterConnection.Tls(tlsCa, tlsCert, tlsKey, tlsServerName) : null,
                apiKey));
      }
    };
  }
}
