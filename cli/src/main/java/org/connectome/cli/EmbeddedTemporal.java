package org.connectome.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.temporal.testserver.TestServer;
import java.io.Closeable;

/**
 * Temporal's Java test server as the embedded default: in this process, with real time (no time
 * skipping), state in memory only. By default it opens no port; {@link #onPort} binds one so that
 * other processes (a second terminal's {@code status}, extra workers) can connect. It is not a
 * production server: it has no authentication and forgets everything when the process ends, which
 * is why runs resume from their completion markers.
 */
final class EmbeddedTemporal implements Closeable {
  private final Closeable server;
  private final ManagedChannel channel;
  private final int port;

  private EmbeddedTemporal(Closeable server, ManagedChannel channel, int port) {
    this.server = server;
    this.channel = channel;
    this.port = port;
  }

  static EmbeddedTemporal inProcess() {
    TestServer.InProcessTestServer s = TestServer.createServer(true);
    return new EmbeddedTemporal(s, s.getChannel(), -1);
  }

  static EmbeddedTemporal onPort(int port) {
    TestServer.PortBoundTestServer s = TestServer.createPortBoundServer(port, true);
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    return new EmbeddedTemporal(s, ch, port);
  }

  ManagedChannel channel() {
    return channel;
  }

  /** The bound port, or -1 when in-process only. */
  int port() {
    return port;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      server.close();
    } catch (Exception e) {
      // closing an in-memory server cannot lose anything
    }
  }
}
