package org.connectome.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Ranges of the options several commands share, checked once the command line is parsed and before
 * any command runs, so a bad value is a bad command line (exit code 2, one line) rather than a
 * failure deep in the platform: ports are 0 to 65535 or -1 (none), counts of tasks at least 1.
 */
final class CommandOptions {
  private CommandOptions() {}

  private record Range(String option, long min, long max, String words) {}

  private static final List<Range> RANGES =
      List.of(
          new Range("--metrics-port", -1, 65535, "a port from 0 to 65535, or -1 for none"),
          new Range("--temporal-port", 0, 65535, "a port from 1 to 65535, or 0 for none"),
          new Range("--port", 0, 65535, "a port from 0 to 65535"),
          new Range("--max-concurrent-tasks", 1, Integer.MAX_VALUE, "at least 1"),
          new Range("--max-concurrent-sections", 1, Integer.MAX_VALUE, "at least 1"));

  /** Throws a {@link CommandLine.ParameterException} for the first option out of its range. */
  static void check(ParseResult parsed) {
    ParseResult p = parsed;
    while (p.hasSubcommand()) {
      p = p.subcommand();
    }
    for (Range r : RANGES) {
      OptionSpec o = p.matchedOption(r.option());
      if (o == null || !(o.getValue() instanceof Number n)) {
        continue;
      }
      if (n.longValue() < r.min() || n.longValue() > r.max()) {
        throw new CommandLine.ParameterException(
            p.commandSpec().commandLine(),
            r.option() + " " + n + ": must be " + r.words(),
            o,
            String.valueOf(n));
      }
    }
  }
}
