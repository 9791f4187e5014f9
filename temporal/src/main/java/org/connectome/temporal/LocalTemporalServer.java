package org.connectome.temporal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Temporal server a workstation's {@code $CX_HOME} owns: the Temporal CLI's development server
 * ({@code temporal server start-dev}), a real Temporal server with its state in one SQLite file and
 * the Web UI built in, bound to loopback only.
 *
 * <p>It is started on first need, in its own session (so a Ctrl-C or a kill of the command that
 * started it does not reach it), and kept running between commands; every later command attaches to
 * it through the state file {@code server.json} beside its database. A lock file serializes
 * starters, so two commands at once start one server. A server that died (even by SIGKILL) is
 * started again on the same ports from the same database, and workers connected to it reconnect on
 * their own.
 */
public final class LocalTemporalServer {
  /** Temporal's own default frontend port; the UI is on port + 1000. */
  public static final int DEFAULT_PORT = 7233;

  static final int UI_OFFSET = 1000;
  static final String LOOPBACK = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * A running server, as recorded in its state file.
   *
   * @param pid the server process
   * @param port gRPC frontend port on {@link #LOOPBACK}
   * @param uiPort Web UI port
   * @param database the SQLite file holding every workflow's state
   * @param startedAt when this process started
   */
  public record Endpoint(long pid, int port, int uiPort, Path database, Instant startedAt) {
    /** {@code 127.0.0.1:PORT}, the address clients and workers connect to. */
    public String address() {
      return LOOPBACK + ":" + port;
    }

    /** The Web UI's base address. */
    public String uiUrl() {
      return "http://" + LOOPBACK + ":" + uiPort;
    }

    /** {@code pid N): gRPC ADDRESS, UI URL}, as commands print it. */
    public String describe() {
      return "pid " + pid + "): gRPC " + address() + ", UI " + uiUrl();
    }
  }

  /**
   * What {@link #ensureRunning} found or did.
   *
   * @param endpoint the server
   * @param started true when this call started it (first use, or after it died)
   * @param restarted true when it had run before from the same database and was found dead
   */
  public record Attached(Endpoint endpoint, boolean started, boolean restarted) {}

  private final Path dir;
  private final Supplier<Path> binary;
  private final Map<String, String> searchAttributes;
  private final int preferredPort;

  /**
   * @param dir the server's folder ({@code $CX_HOME/temporal}): database, state file, log
   * @param binary finds (or installs) the Temporal CLI, called only when a server must start
   * @param searchAttributes search attributes (name to type, e.g. {@code Keyword}) registered at
   *     every start
   * @param preferredPort the frontend port to use when it is free (0: {@link #DEFAULT_PORT})
   */
  public LocalTemporalServer(
      Path dir, Supplier<Path> binary, Map<String, String> searchAttributes, int preferredPort) {
    this.dir = dir.toAbsolutePath().normalize();
    this.binary = binary;
    this.searchAttributes = new LinkedHashMap<>(searchAttributes);
    this.preferredPort = preferredPort > 0 ? preferredPort : DEFAULT_PORT;
  }

  public Path dir() {
    return dir;
  }

  public Path database() {
    return dir.resolve("temporal.db");
  }

  public Path logFile() {
    return dir.resolve("server.log");
  }

  private Path stateFile() {
    return dir.resolve("server.json");
  }

  /** The server, if its recorded process is alive and accepts connections. Starts nothing. */
  public Optional<Endpoint> running() {
    return recorded().filter(e -> isServerProcess(e) && accepts(e.port()));
  }

  /** The last recorded server, alive or not. */
  public Optional<Endpoint> recorded() {
    Path f = stateFile();
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(f.toFile(), Endpoint.class));
    } catch (IOException e) {
      return Optional.empty(); // a torn or foreign file: treated as no server, a start rewrites it
    }
  }

  /**
   * Attaches to the running server or starts one (under the folder's lock, so concurrent callers
   * start one server), and waits until it serves the default namespace.
   *
   * @throws TemporalUnavailableException when the binary cannot be found or installed, or the
   *     server does not come up (with the last line of its log)
   */
  public Attached ensureRunning() {
    // file locks are per process: threads of one process serialize here first
    synchronized (LocalTemporalServer.class) {
      return ensureRunningLocked();
    }
  }

  private Attached ensureRunningLocked() {
    try {
      Files.createDirectories(dir);
      try (FileChannel ch =
              FileChannel.open(
                  dir.resolve("server.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = ch.lock()) {
        Optional<Endpoint> alive = running();
        if (alive.isPresent()) {
          awaitReady(alive.get(), null);
          return new Attached(alive.get(), false, false);
        }
        Optional<Endpoint> before = recorded();
        Endpoint e = start(before.map(Endpoint::port).orElse(preferredPort));
        return new Attached(e, true, before.isPresent() && Files.exists(database()));
      }
    } catch (IOException e) {
      throw new TemporalUnavailableException(
          "cannot use the Temporal server folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stops the server (SIGTERM, then SIGKILL after {@code grace}). Its database stays: the next
   * start continues every workflow.
   *
   * @return the server that was stopped, or empty when none was running
   */
  public Optional<Endpoint> stop(Duration grace) {
    Optional<Endpoint> e = recorded().filter(this::isServerProcess);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    Optional<ProcessHandle> h = ProcessHandle.of(e.get().pid());
    if (h.isPresent()) {
      h.get().destroy();
      try {
        h.get().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception timeoutOrInterrupt) {
        h.get().destroyForcibly();
        try {
          h.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // it is being killed; nothing more to do
        }
      }
    }
    return e;
  }

  private Endpoint start(int wantedPort) throws IOException {
    Path bin = binary.get();
    int port = freePortPair(wantedPort);
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      // its own session: the terminal's Ctrl-C and a kill of the starting command's group pass it
      // by
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(
        List.of(
            bin.toString(),
            "server",
            "start-dev",
            "--db-filename",
            database().toString(),
            "--ip",
            LOOPBACK,
            "--port",
            Integer.toString(port),
            "--ui-port",
            Integer.toString(port + UI_OFFSET),
            "--ui-disable-news-fetch",
            "--log-level",
            "warn"));
    for (Map.Entry<String, String> a : searchAttributes.entrySet()) {
      cmd.add("--search-attribute");
      cmd.add(a.getKey() + "=" + a.getValue());
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
            .start();
    Endpoint e = new Endpoint(p.pid(), port, port + UI_OFFSET, database(), Instant.now());
    writeState(e);
    awaitReady(e, p);
    return e;
  }

  /** Waits until the server serves the default namespace; fails with its log when it exits. */
  private void awaitReady(Endpoint e, Process started) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(e.address()).build());
    try {
      while (true) {
        boolean alive = started != null ? started.isAlive() : isServerProcess(e);
        if (!alive) {
          throw new TemporalUnavailableException(
              "the Temporal server exited while starting: "
                  + logTail()
                  + " (log: "
                  + logFile()
                  + ")");
        }
        try {
          stubs
              .blockingStub()
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .describeNamespace(
                  DescribeNamespaceRequest.newBuilder().setNamespace("default").build());
          return;
        } catch (RuntimeException notYet) {
          if (System.nanoTime() > deadline) {
            throw new TemporalUnavailableException(
                "the Temporal server at "
                    + e.address()
                    + " did not become ready within "
                    + START_TIMEOUT.toSeconds()
                    + " s: "
                    + logTail());
          }
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new TemporalUnavailableException("interrupted waiting for the Temporal server", ie);
        }
      }
    } finally {
      stubs.shutdownNow();
    }
  }

  private void writeState(Endpoint e) throws IOException {
    Path tmp = Files.createTempFile(dir, "server", ".json.tmp");
    JSON.writeValue(tmp.toFile(), e);
    Files.move(
        tmp, stateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Whether the recorded pid is alive and is a Temporal server of this database (not a reuse). */
  boolean isServerProcess(Endpoint e) {
    Optional<ProcessHandle> h = ProcessHandle.of(e.pid());
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    Optional<String> cmd = h.get().info().commandLine();
    // the command line is unknown for another user's process: then the pid alone decides
    return cmd.isEmpty()
        || (cmd.get().contains("start-dev") && cmd.get().contains(e.database().toString()));
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code wanted} when it and its UI port are free; otherwise a free pair. */
  static int freePortPair(int wanted) throws IOException {
    if (isFree(wanted) && isFree(wanted + UI_OFFSET)) {
      return wanted;
    }
    for (int i = 0; i < 50; i++) {
      int p;
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOOPBACK))) {
        p = s.getLocalPort();
      }
      if (p + UI_OFFSET < 65536 && isFree(p) && isFree(p + UI_OFFSET)) {
        return p;
      }
    }
    throw new IOException("no free pair of ports (gRPC and gRPC + " + UI_OFFSET + ") on loopback");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true); // as servers do: connections in TIME_WAIT do not block a restart
      s.bind(new InetSocketAddress(LOOPBACK, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile());
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          return lines.get(i).strip();
        }
      }
      return "(empty log)";
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
