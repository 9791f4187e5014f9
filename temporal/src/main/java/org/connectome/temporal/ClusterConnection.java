package org.connectome.temporal;

import com.uber.m3.tally.Scope;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * How to reach a Temporal server, and the one place that turns it into service stubs, checking
 * every setting first so that a wrong one fails at start with one line naming it.
 *
 * @param address {@code HOST:PORT} of the frontend
 * @param namespace the namespace the platform's workflows live in
 * @param tls TLS settings, or null for plaintext
 * @param apiKey an API key sent as a bearer token (Temporal Cloud), or null
 */
public record ClusterConnection(String address, String namespace, Tls tls, String apiKey) {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * TLS to the frontend.
   *
   * @param caCert PEM file of the CA that signed the server's certificate (null: the JVM's trust
   *     store)
   * @param clientCert PEM client certificate for mutual TLS (with {@code clientKey}), or null
   * @param clientKey PEM PKCS#8 private key of {@code clientCert}, or null
   * @param serverName the name the server's certificate must carry, when it differs from the
   *     address's host (null: the host)
   */
  public record Tls(Path caCert, Path clientCert, Path clientKey, String serverName) {}

  /** A plaintext connection to {@code address} in {@code namespace}. */
  public static ClusterConnection plain(String address, String namespace) {
    return new ClusterConnection(address, namespace, null, null);
  }

  /**
   * Problems with the settings themselves (files missing or unreadable, a certificate without its
   * key, an address without a port), each one line naming the option; empty when all is well.
   */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    if (address == null || !address.matches("[^:\\s]+:[0-9]{1,5}")) {
      out.add("--temporal: '" + address + "' is not HOST:PORT");
    }
    if (namespace == null || namespace.isBlank()) {
      out.add("--namespace: empty");
    }
    if (tls != null) {
      checkFile(out, "--tls-ca", tls.caCert());
      checkFile(out, "--tls-cert", tls.clientCert());
      checkFile(out, "--tls-key", tls.clientKey());
      if ((tls.clientCert() == null) != (tls.clientKey() == null)) {
        out.add("--tls-cert and --tls-key: give both for mutual TLS, or neither");
      }
    }
    if (apiKey != null && apiKey.isBlank()) {
      out.add("--api-key: empty");
    }
    return out;
  }

  private static void checkFile(List<String> out, String option, Path f) {
    if (f != null && !(Files.isRegularFile(f) && Files.isReadable(f))) {
      out.add(option + ": " + f + " is not a readable file");
    }
  }

  /**
   * Connected stubs: the settings checked, the server reached and the namespace found.
   *
   * @throws TemporalUnavailableException naming the setting or the server's answer
   */
  public WorkflowServiceStubs connect(Scope metrics) {
    List<String> problems = problems();
    if (!problems.isEmpty()) {
      throw new TemporalUnavailableException(String.join("; ", problems));
    }
    WorkflowServiceStubsOptions.Builder b =
        WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (metrics != null) {
      b.setMetricsScope(metrics);
    }
    if (tls != null) {
      b.setSslContext(sslContext());
      if (tls.serverName() != null && !tls.serverName().isBlank()) {
        b.setChannelInitializer(c -> c.overrideAuthority(tls.serverName()));
      }
    }
    if (apiKey != null) {
      b.addApiKey(() -> apiKey);
    }
    WorkflowServiceStubs stubs;
    try {
      stubs = WorkflowServiceStubs.newConnectedServiceStubs(b.build(), CONNECT_TIMEOUT);
    } catch (RuntimeException e) {
      throw new TemporalUnavailableException(
          "cannot reach Temporal at " + address + describeTls() + ": " + reason(e), e);
    }
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(namespace).build());
    } catch (StatusRuntimeException e) {
      stubs.shutdownNow();
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new TemporalUnavailableException(
            "--namespace: Temporal at " + address + " has no namespace '" + namespace + "'", e);
      }
      throw new TemporalUnavailableException(
          "Temporal at " + address + " refused namespace '" + namespace + "': " + reason(e), e);
    }
    return stubs;
  }

  private SslContext sslContext() {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (tls.caCert() != null) {
        b.trustManager(tls.caCert().toFile());
      }
      if (tls.clientCert() != null) {
        b.keyManager(new File(tls.clientCert().toString()), tls.clientKey().toFile());
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new TemporalUnavailableException(
          "--tls-ca/--tls-cert/--tls-key: cannot use them: " + reason(e), e);
    }
  }

  private String describeTls() {
    return tls == null ? " (plaintext)" : " (TLS)";
  }

  static String reason(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    if (e instanceof StatusRuntimeException s) {
      return s.getStatus().getCode()
          + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription());
    }
    String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
