package org.connectome.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;

/**
 * A catalog database as the migration runner before Flyway left it: the files it applied (copied
 * unchanged into {@code legacy/} of the test resources) and its version table {@code
 * catalog_schema_version} with versions 1 to 3, SHA-256 checksums and times, written through plain
 * JDBC as that runner did.
 */
public final class LegacyCatalog {
  private static final String BASE = "org/connectome/catalog/legacy/";

  private LegacyCatalog() {}

  /** Creates the old schema at {@code jdbcUrl} up to {@code version} (1 to 3). */
  public static void create(String jdbcUrl, int version) throws SQLException, IOException {
    Dialect dialect = Dialect.fromJdbcUrl(jdbcUrl);
    List<String[]> files =
        List.of(
            new String[] {"1", "catalog", "V1__catalog.sql"},
            new String[] {
              "2",
              "spring batch job repository",
              dialect.resourceDir() + "/V2__spring_batch_job_repository.sql"
            },
            new String[] {"3", "ingest", "V3__ingest.sql"});
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE catalog_schema_version (version INTEGER NOT NULL PRIMARY KEY,"
              + " description VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL,"
              + " applied_at TIMESTAMP WITH TIME ZONE NOT NULL)");
      for (String[] f : files.subList(0, version)) {
        String sql = read(BASE + f[2]);
        for (String statement : statements(sql)) {
          s.execute(statement);
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO catalog_schema_version (version, description, checksum, applied_at)"
                    + " VALUES (?, ?, ?, ?)")) {
          ps.setInt(1, Integer.parseInt(f[0]));
          ps.setString(2, f[1]);
          ps.setString(3, sha256(sql));
          ps.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
          ps.executeUpdate();
        }
      }
    }
  }

  /** The statements of one of the old files: none has a semicolon inside a string or comment. */
  private static List<String> statements(String sql) {
    StringBuilder code = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (!line.strip().startsWith("--")) {
        code.append(line).append('\n');
      }
    }
    return List.of(code.toString().split(";")).stream()
        .map(String::strip)
        .filter(x -> !x.isEmpty())
        .toList();
  }

  private static String read(String resource) throws IOException {
    try (InputStream in = LegacyCatalog.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException(resource + " not on the test class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
  }

  private static String sha256(String sql) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
