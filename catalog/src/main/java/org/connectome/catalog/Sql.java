package org.connectome.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** Statements with bound arguments and row mapping, shared by the stores. */
final class Sql {
  /** An argument that binds SQL NULL as a timestamp (a plain null binds as VARCHAR). */
  static final Object NULL_TIMESTAMP = new Object();

  /** Longer error messages and event messages are cut to this many characters. */
  static final int MAX_TEXT_CHARS = 65_536;

  private Sql() {}

  /** Work done on one connection inside a transaction that {@link Database} runs. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
        return out.isEmpty() ? Collections.emptyList() : out;
      }
    }
  }

  static <T> Optional<T> first(Connection c, String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    List<T> rows = query(c, sql, mapper, args);
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }

  static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      int idx = i + 1;
      if (a == null) {
        ps.setNull(idx, Types.VARCHAR);
      } else if (a == NULL_TIMESTAMP) {
        ps.setNull(idx, Types.TIMESTAMP_WITH_TIMEZONE);
      } else if (a instanceof String s) {
        ps.setString(idx, s);
      } else if (a instanceof Long l) {
        ps.setLong(idx, l);
      } else if (a instanceof Integer n) {
        ps.setInt(idx, n);
      } else if (a instanceof Instant t) {
        ps.setObject(idx, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
      } else if (a instanceof Enum<?> e) {
        ps.setString(idx, e.name());
      } else if (a instanceof Boolean b) {
        ps.setBoolean(idx, b);
      } else {
        throw new IllegalArgumentException("unsupported SQL argument " + a.getClass());
      }
    }
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  static boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  /** PostgreSQL reports 23503 for any foreign key violation, H2 23506 for a missing parent row. */
  static boolean isForeignKeyViolation(SQLException e) {
    return "23503".equals(e.getSQLState()) || "23506".equals(e.getSQLState());
  }

  /** An INSERT of a row that belongs to a run: a missing run becomes {@link NoSuchRunException}. */
  static int insertForRun(Connection c, String runId, String sql, Object... args)
      throws SQLException {
    try {
      return update(c, sql, args);
    } catch (SQLException e) {
      if (isForeignKeyViolation(e)) {
        throw new NoSuchRunException(runId);
      }
      throw e;
    }
  }

  /** Cuts text longer than {@link #MAX_TEXT_CHARS}, marking the cut. */
  static String clip(String s) {
    if (s == null || s.length() <= MAX_TEXT_CHARS) {
      return s;
    }
    String marker = "...[truncated " + (s.length() - MAX_TEXT_CHARS) + "+ chars]";
    int end = MAX_TEXT_CHARS - marker.length();
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end) + marker;
  }

  /**
   * Extra SET clauses for started_at/finished_at of a run, stage or step entering {@code running}
   * or a terminal state; their arguments come from {@link #lifecycleArgs}.
   */
  static String lifecycleColumns(boolean running, boolean terminal) {
    if (running) {
      return ", started_at = COALESCE(started_at, ?), finished_at = NULL";
    }
    if (terminal) {
      return ", finished_at = COALESCE(finished_at, ?)";
    }
    return "";
  }

  /** SET arguments, then {@code now} if the lifecycle clause has one, then the WHERE arguments. */
  static Object[] lifecycleArgs(
      boolean running, boolean terminal, Instant now, Object[] set, Object... where) {
    List<Object> out = new ArrayList<>(Arrays.asList(set));
    if (running || terminal) {
      out.add(now);
    }
    out.addAll(Arrays.asList(where));
    return out.toArray();
  }
}
