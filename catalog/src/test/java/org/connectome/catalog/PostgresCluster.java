package org.connectome.catalog;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A PostgreSQL server for tests, shared by all test classes of a test run.
 *
 * <p>Uses {@code CX_TEST_POSTGRES_URL} when set (a JDBC URL with user and password as URL
 * parameters). Otherwise starts a private cluster from the server binaries in {@code
 * /usr/lib/postgresql/<version>/bin} (the newest version): {@code initdb} into a temporary
 * directory, {@code pg_ctl start} on a free port on 127.0.0.1 with the unix socket in that
 * directory and {@code fsync=off}; as root both run via {@code runuser -u postgres --} (initdb
 * refuses root) on a directory owned by postgres. It creates the database {@code cx_test} and is
 * stopped and removed when the test run ends (JUnit closes the root store entry; a shutdown hook
 * covers an aborted JVM).
 *
 * <p>Each test gets a fresh schema ({@link #newSchemaUrl()}). When no server can be had, each test
 * is skipped with the reason (an assumption), unless {@code CX_REQUIRE_POSTGRES=1}, in which case
 * it fails.
 */
public final class PostgresCluster implements BeforeAllCallback, BeforeEachCallback {
  public static final String URL_ENV = "CX_TEST_POSTGRES_URL";
  public static final String REQUIRE_ENV = "CX_REQUIRE_POSTGRES";
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(PostgresCluster.class);
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static volatile Server current;

  @Override
  public void beforeAll(ExtensionContext context) {
    Object s = context.getRoot().getStore(NAMESPACE).computeIfAbsent(Server.class, k -> obtain());
    if (s instanceof Server server) {
      current = server;
      return;
    }
    String reason = "PostgreSQL tests cannot run: " + s;
    if ("1".equals(System.getenv(REQUIRE_ENV))) {
      throw new IllegalStateException(reason + " (" + REQUIRE_ENV + "=1 requires them)");
    }
    System.err.println(reason + "; skipping them (set " + REQUIRE_ENV + "=1 to fail instead)");
  }

  /** Skips each test (visibly, with the reason) when there is no server. */
  @Override
  public void beforeEach(ExtensionContext context) {
    Object s = context.getRoot().getStore(NAMESPACE).get(Server.class);
    if (!(s instanceof Server)) {
      Assumptions.abort("PostgreSQL tests cannot run: " + s);
    }
  }

  /** The server of this test run (after {@link #beforeAll}). */
  public static Server server() {
    Server s = current;
    if (s == null) {
      throw new IllegalStateException("PostgresCluster extension not active");
    }
    return s;
  }

  /** A JDBC URL whose current schema is a new, empty schema. */
  public static String newSchemaUrl() {
    return server().newSchemaUrl();
  }

  /** A server, or the reason (a String) why there is none. */
  private static Object obtain() {
    String external = System.getenv(URL_ENV);
    try {
      if (external != null && !external.isBlank()) {
        Server s = new Server(external.trim(), null, null);
        s.check();
        return s;
      }
      return startPrivate();
    } catch (Exception e) {
      return e.getMessage() == null ? e.toString() : e.getMessage();
    }
  }

  private static Server startPrivate() throws IOException, InterruptedException, SQLException {
    long started = System.nanoTime();
    Path bin = findBinaries();
    boolean root = isRoot();
    Path dir = Files.createTempDirectory("cxpg");
    UserPrincipal postgres = null;
    if (root) {
      postgres =
          dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
      Files.setOwner(dir, postgres);
      if (!Files.isExecutable(Paths.get("/usr/sbin/runuser"))
          && !Files.isExecutable(Paths.get("/sbin/runuser"))) {
        throw new IOException("running as root and runuser is missing");
      }
    }
    Path data = dir.resolve("data");
    Path log = dir.resolve("server.log");
    Server server = null;
    try {
      run(
          root,
          dir,
          bin.resolve("initdb").toString(),
          "-D",
          data.toString(),
          "-U",
          "postgres",
          "-A",
          "trust",
          "-E",
          "UTF8",
          "--locale=C",
          "--no-sync");
      IOException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        int port = freePort();
        try {
          run(
              root,
              dir,
              bin.resolve("pg_ctl").toString(),
              "-D",
              data.toString(),
              "-l",
              log.toString(),
              "-w",
              "-t",
              "30",
              "-o",
              "-p "
                  + port
                  + " -k "
                  + dir
                  + " -c listen_addresses=127.0.0.1 -c fsync=off"
                  + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
              "start");
        } catch (IOException e) {
          last = e;
          continue;
        }
        String admin = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        server =
            new Server(
                "jdbc:postgresql://127.0.0.1:" + port + "/cx_test?user=postgres",
                dir,
                () -> stopPrivate(root, bin, data, dir));
        try (Connection c = DriverManager.getConnection(admin);
            Statement s = c.createStatement()) {
          s.execute("CREATE DATABASE cx_test");
        }
        server.check();
        System.err.printf(
            "started test PostgreSQL (%s) on port %d in %d ms%n",
            bin, port, (System.nanoTime() - started) / 1_000_000);
        return server;
      }
      throw last;
    } catch (IOException | InterruptedException | SQLException | RuntimeException e) {
      if (server != null) {
        server.close();
      } else {
        stopPrivate(root, bin, data, dir);
      }
      throw e;
    }
  }

  private static void stopPrivate(boolean root, Path bin, Path data, Path dir) {
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        run(
            root,
            dir,
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-m",
            "immediate",
            "-w",
            "stop");
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("could not stop test PostgreSQL in " + dir + ": " + e.getMessage());
    } finally {
      deleteTree(dir);
    }
  }

  private static Path findBinaries() throws IOException {
    Path base = Paths.get("/usr/lib/postgresql");
    if (!Files.isDirectory(base)) {
      throw new IOException(
          "no PostgreSQL server binaries in " + base + " and " + URL_ENV + " is not set");
    }
    try (Stream<Path> versions = Files.list(base)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(
              b ->
                  Files.isExecutable(b.resolve("initdb"))
                      && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparingDouble(PostgresCluster::versionOf))
          .orElseThrow(
              () ->
                  new IOException(
                      "no initdb/pg_ctl under " + base + "/*/bin and " + URL_ENV + " is not set"));
    }
  }

  private static double versionOf(Path bin) {
    try {
      return Double.parseDouble(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return "0".equals(out);
    } catch (IOException e) {
      return "root".equals(System.getProperty("user.name"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * Runs a PostgreSQL tool (as postgres when we are root); output goes to a file, never to a pipe.
   */
  private static void run(boolean root, Path dir, String... command)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (root) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of(command));
    File out = dir.resolve("tool.out").toFile();
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(out))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", cmd));
    }
    if (p.exitValue() != 0) {
      String text = Files.exists(out.toPath()) ? Files.readString(out.toPath()) : "";
      Path log = dir.resolve("server.log");
      if (Files.exists(log)) {
        text += "\n" + Files.readString(log);
      }
      throw new IOException(
          "failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + text.strip());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }

  /**
   * A reachable PostgreSQL database; closing stops a private cluster (or drops the schemas made in
   * an external one).
   */
  public static final class Server implements AutoCloseable {
    private final String url;
    private final Path dir;
    private final Runnable stop;
    private final List<String> schemas = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    Server(String url, Path dir, Runnable stop) {
      this.url = url;
      this.dir = dir;
      this.stop = stop;
      this.hook = new Thread(this::close, "stop-test-postgres");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The base JDBC URL (database {@code cx_test} of a private cluster, or {@code
     * CX_TEST_POSTGRES_URL}).
     */
    public String url() {
      return url;
    }

    /** Data directory of a private cluster, null for an external server. */
    public Path directory() {
      return dir;
    }

    void check() throws SQLException {
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement()) {
        s.execute("SELECT 1");
      } catch (SQLException e) {
        throw new SQLException(
            "cannot connect to " + Database.maskUrl(url) + ": " + e.getMessage(), e);
      }
    }

    /** Creates a new schema and returns a URL whose current schema it is. */
    public synchronized String newSchemaUrl() {
      String schema =
          ("cx_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet())
              .toLowerCase(Locale.ROOT);
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + schema);
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot create schema in " + Database.maskUrl(url) + ": " + e.getMessage(), e);
      }
      schemas.add(schema);
      return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // called from the hook itself
      }
      if (stop != null) {
        stop.run();
      } else {
        try (Connection c = DriverManager.getConnection(url);
            Statement s = c.createStatement()) {
          for (String schema : schemas) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
          }
        } catch (SQLException e) {
          System.err.println(
              "could not drop test schemas in " + Database.maskUrl(url) + ": " + e.getMessage());
        }
      }
    }
  }
}
