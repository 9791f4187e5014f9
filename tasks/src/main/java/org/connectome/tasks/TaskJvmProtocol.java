package org.connectome.tasks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The lines a launcher and a reused task JVM ({@link TaskJvmMain}) exchange: one request line per
 * task on the JVM's standard input (its log file and its {@code TaskEnv} variables), one reply line
 * per task on its standard output (the exit code and the JVM's resident set once the task is done
 * and its garbage collected). Keys, values and the log path are Base64 so that no path can break a
 * line. Anything else the JVM writes to its standard output (native libraries write there) is not a
 * reply.
 */
public final class TaskJvmProtocol {
  /** Starts a reply line: a control character no library prints at the start of a line. */
  public static final String REPLY = "\u0001cx-task-exit ";

  private static final String REQUEST = "task ";

  private TaskJvmProtocol() {}

  /** One task for a reused JVM: where its output goes and the variables of its environment. */
  public record Request(Path logFile, Map<String, String> env) {
    public Request {
      env = Map.copyOf(env);
    }
  }

  public static String request(Request r) {
    StringBuilder b = new StringBuilder(REQUEST).append(encode(r.logFile().toString()));
    for (Map.Entry<String, String> e : r.env().entrySet()) {
      b.append(' ').append(encode(e.getKey())).append(':').append(encode(e.getValue()));
    }
    return b.toString();
  }

  /** The request of {@code line}; an {@link IllegalArgumentException} names what is wrong. */
  public static Request parseRequest(String line) {
    if (!line.startsWith(REQUEST)) {
      throw new IllegalArgumentException("not a task request: " + abbreviate(line));
    }
    String[] f = line.substring(REQUEST.length()).split(" ");
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 1; i < f.length; i++) {
      int c = f[i].indexOf(':');
      if (c < 0) {
        throw new IllegalArgumentException("task request field " + i + " has no ':'");
      }
      env.put(decode(f[i].substring(0, c)), decode(f[i].substring(c + 1)));
    }
    return new Request(Path.of(decode(f[0])), env);
  }

  /** What a reused JVM answers when a task ends. */
  public record Reply(int exitCode, long residentBytes) {}

  /**
   * The reply line of a task that ended with {@code exitCode} ({@code residentBytes} -1: unknown).
   */
  public static String reply(int exitCode, long residentBytes) {
    return REPLY + exitCode + " " + residentBytes;
  }

  /** The reply of {@code line}, empty for any other line. */
  public static Optional<Reply> parseReply(String line) {
    if (!line.startsWith(REPLY)) {
      return Optional.empty();
    }
    String[] f = line.substring(REPLY.length()).trim().split(" ");
    try {
      return Optional.of(
          new Reply(Integer.parseInt(f[0]), f.length > 1 ? Long.parseLong(f[1]) : -1));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
