package org.connectome.executor.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.connectome.pipeline.BlockGrid;
import org.connectome.pipeline.StepPlan;
import org.connectome.task.ProgramTemplate;
import org.connectome.task.TaskEnv;
import org.connectome.task.TaskExitCodes;
import org.connectome.units.Grouping;
import org.connectome.units.UnitRange;

/**
 * The commands of task containers.
 *
 * <p>A Job has one pod template for all its indices, so what differs per index is computed in the
 * pod by a small POSIX shell wrapper ({@code /bin/sh -c}):
 *
 * <ul>
 *   <li>the attempt: {@code CX_TASK_ATTEMPT} = the index's failures + ignored failures + 1, from
 *       the annotations {@code batch.kubernetes.io/job-index-failure-count} and {@code
 *       ...-ignored-failure-count} that the Job controller puts on each pod and the downward API
 *       hands over as {@code CX_INDEX_FAILURES} and {@code CX_INDEX_IGNORED_FAILURES};
 *   <li>for {@code container} steps whose command uses {@code {unitStart}}, {@code {unitEnd}} or
 *       {@code {bbox}}: the variable {@code CX_UNIT_TABLE} lists, per index, {@code
 *       task:unitStart:unitEnd:bbox}; the wrapper picks entry {@code JOB_COMPLETION_INDEX}, exports
 *       {@code CX_TASK}, {@code CX_UNIT_START}, {@code CX_UNIT_END}, {@code CX_BBOX} and runs the
 *       command with those placeholders replaced.
 * </ul>
 *
 * {@code {stepDir}} and {@code {params.NAME}} are replaced when the Job is created. Every {@code $}
 * of the wrapper is written {@code $$}, so Kubernetes' own {@code $(VAR)} expansion leaves it
 * alone.
 */
final class CommandTemplate {
  static final String UNIT_TABLE = "CX_UNIT_TABLE";
  static final String INDEX_FAILURES = "CX_INDEX_FAILURES";
  static final String INDEX_IGNORED_FAILURES = "CX_INDEX_IGNORED_FAILURES";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_.-]*)}");
  private static final List<String> PER_INDEX = List.of("unitStart", "unitEnd", "bbox");

  /** The shell that runs the wrapper. */
  static final String SHELL = "/bin/sh";

  private static final String ATTEMPT =
      TaskEnv.ATTEMPT
          + "=$((${"
          + INDEX_FAILURES
          + ":-0} + ${"
          + INDEX_IGNORED_FAILURES
          + ":-0} + 1)); export "
          + TaskEnv.ATTEMPT
          + "; ";

  private CommandTemplate() {}

  /** The platform's task entry point, behind the wrapper that sets the attempt. */
  static List<String> platform(List<String> taskCommand) {
    List<String> cmd = new ArrayList<>();
    cmd.add(SHELL);
    cmd.add("-c");
    cmd.add(forKubernetes(ATTEMPT + "exec \"$@\""));
    cmd.add("connectome-task"); // $0 of the script
    cmd.addAll(taskCommand);
    return cmd;
  }

  /**
   * A container step's command; throws {@link IllegalArgumentException} naming an unknown
   * placeholder.
   */
  static List<String> container(List<String> template, String stepDir, Map<String, Object> params) {
    List<String> fixed = new ArrayList<>();
    boolean perIndex = false;
    for (String arg : template) {
      Matcher m = PLACEHOLDER.matcher(arg);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String name = m.group(1);
        String value;
        if (name.equals("stepDir")) {
          value = stepDir;
        } else if (name.startsWith("params.")) {
          String p = name.substring("params.".length());
          if (!params.containsKey(p)) {
            throw new IllegalArgumentException(
                "container.command uses {"
                    + name
                    + "} but the step has no parameter '"
                    + p
                    + "' (parameters: "
                    + params.keySet().stream().sorted().toList()
                    + ")");
          }
          value = ProgramTemplate.paramText(params.get(p));
        } else if (PER_INDEX.contains(name)) {
          perIndex = true;
          value = m.group(0);
        } else {
          throw new IllegalArgumentException(
              "container.command uses the unknown placeholder {"
                  + name
                  + "} (known: {unitStart}, {unitEnd}, {stepDir}, {params.NAME}, {bbox})");
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      fixed.add(out.toString());
    }
    if (!perIndex) {
      return fixed;
    }
    StringBuilder script = new StringBuilder(ATTEMPT);
    script
        .append("i=0; row=; for e in $")
        .append(UNIT_TABLE)
        .append("; do if [ \"$i\" = \"$")
        .append(TaskEnv.COMPLETION_INDEX)
        .append("\" ]; then row=$e; break; fi; i=$((i + 1)); done; ")
        .append("if [ -z \"$row\" ]; then echo \"")
        .append(TaskEnv.COMPLETION_INDEX)
        .append("=$")
        .append(TaskEnv.COMPLETION_INDEX)
        .append(" has no entry in ")
        .append(UNIT_TABLE)
        .append("\" >&2; exit ")
        .append(TaskExitCodes.BAD_DEFINITION)
        .append("; fi; ")
        .append(
            "CX_TASK=${row%%:*}; r=${row#*:}; CX_UNIT_START=${r%%:*}; r=${r#*:}; CX_UNIT_END=${r%%:*}; ")
        .append("CX_BBOX=${r#*:}; export CX_TASK CX_UNIT_START CX_UNIT_END CX_BBOX; exec");
    for (String arg : fixed) {
      script.append(' ').append(shellWord(arg));
    }
    return List.of(SHELL, "-c", forKubernetes(script.toString()));
  }

  /** Whether a container step's command needs the unit table. */
  static boolean usesBbox(List<String> template) {
    return template.stream().anyMatch(a -> a.contains("{bbox}"));
  }

  /**
   * One entry per task of {@code tasks}, in order: {@code task:unitStart:unitEnd:bbox}, the
   * bounding box of the task's units (with overlap) as {@code x0-x1_y0-y1_z0-z1}, or {@code -} when
   * not asked for or not a block step.
   */
  static String unitTable(List<UnitRange> tasks, StepPlan plan, boolean bbox) {
    Grouping g = plan.grouping();
    BlockGrid grid = plan.units() == null ? null : plan.units().grid();
    StringBuilder b = new StringBuilder();
    for (UnitRange r : tasks) {
      for (long t = r.from(); t < r.to(); t++) {
        UnitRange u = g.unitsOfTask(t);
        if (b.length() > 0) {
          b.append(' ');
        }
        b.append(t)
            .append(':')
            .append(u.from())
            .append(':')
            .append(u.to())
            .append(':')
            .append(bbox && grid != null ? ProgramTemplate.bounds(grid, u).chunkName() : "-");
      }
    }
    return b.toString();
  }

  /**
   * A shell word: literal text single-quoted, per-index placeholders as quoted variable expansions.
   */
  static String shellWord(String arg) {
    StringBuilder b = new StringBuilder();
    Matcher m = Pattern.compile("\\{(unitStart|unitEnd|bbox)}").matcher(arg);
    int last = 0;
    while (m.find()) {
      b.append(quote(arg.substring(last, m.start())));
      b.append("\"${")
          .append(
              switch (m.group(1)) {
                case "unitStart" -> "CX_UNIT_START";
                case "unitEnd" -> "CX_UNIT_END";
                default -> "CX_BBOX";
              })
          .append("}\"");
      last = m.end();
    }
    b.append(quote(arg.substring(last)));
    return b.length() == 0 ? "''" : b.toString();
  }

  private static String quote(String s) {
    return s.isEmpty() ? "" : "'" + s.replace("'", "'\\''") + "'";
  }

  /**
   * Kubernetes expands {@code $(VAR)} in commands and {@code $$} to {@code $}: keep the script's
   * own.
   */
  static String forKubernetes(String script) {
    return script.replace("$", "$$");
  }
}
