package org.connectome.executor.k8s;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.connectome.executor.ShardRequest;
import org.connectome.pipeline.StepConfig;

/**
 * Names, labels and annotations of a shard's Job. The name is deterministic: a readable prefix
 * (sample, run, stage, step, shard, attempt) and a short hash of the full identity (run id, stage,
 * step, shard, activity attempt, parameters hash), so a retried activity finds the Job it created
 * before and a replanned step never reuses one.
 */
public final class JobNaming {
  /**
   * Longest Job name. Kubernetes allows 63 for a label value and a DNS label; an Indexed Job's pods
   * get the host name {@code <job>-<index>}, so the name leaves room for a 10-digit index.
   */
  public static final int MAX_NAME = 52;

  private static final int HASH_CHARS = 8;
  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

  public static final String PREFIX = "connectome.org/";
  public static final String LABEL_NAME = "app.kubernetes.io/name";
  public static final String LABEL_PART_OF = "app.kubernetes.io/part-of";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  public static final String LABEL_SAMPLE = PREFIX + "sample";
  public static final String LABEL_RUN = PREFIX + "run";
  public static final String LABEL_STAGE = PREFIX + "stage";
  public static final String LABEL_STEP = PREFIX + "step";
  public static final String LABEL_SHARD = PREFIX + "shard";
  public static final String LABEL_KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";

  public static final String ANN_RUN_ID = PREFIX + "run-id";
  public static final String ANN_PARAMS_HASH = PREFIX + "params-hash";

  /**
   * The full identity hash: a Job found under a name is adopted only if it carries the same key.
   */
  public static final String ANN_KEY = PREFIX + "job-key";

  /** The shard's task list ({@code CX_TASKS}): index k of the Job runs its k-th task. */
  public static final String ANN_TASKS = PREFIX + "tasks";

  public static final String ANN_ATTEMPT = PREFIX + "shard-attempt";
  public static final String ANN_STEP_DIR = PREFIX + "step-dir";

  public static final String VALUE_NAME = "connectome-task";
  public static final String VALUE_PART_OF = "connectome";
  public static final String VALUE_MANAGED_BY = "connectome-worker";

  private JobNaming() {}

  /** The full identity of the shard's Job for this activity attempt (hex SHA-256). */
  public static String key(ShardRequest r) {
    StepConfig s = r.step();
    return sha256(
        String.join(
            "\n",
            r.runId(),
            s.stage(),
            s.step(),
            Long.toString(r.shard()),
            Integer.toString(r.attempt()),
            s.paramsHash()));
  }

  /** The Job's name: a DNS-1123 label of at most {@link #MAX_NAME} characters. */
  public static String jobName(ShardRequest r) {
    StepConfig s = r.step();
    String suffix = "-s" + r.shard() + "-a" + r.attempt() + "-" + key(r).substring(0, HASH_CHARS);
    String readable =
        dnsPart("cx-" + s.sample() + "-" + runName(r.runId()) + "-" + s.stage() + "-" + s.step());
    int room = MAX_NAME - suffix.length(); // at least 10: a long shard and an int attempt take 42
    if (readable.length() > room) {
      readable = readable.substring(0, room);
    }
    readable = readable.replaceAll("-+$", "");
    return readable + suffix;
  }

  /** The labels of the Job and of its pods. */
  public static Map<String, String> labels(ShardRequest r) {
    StepConfig s = r.step();
    Map<String, String> l = new LinkedHashMap<>();
    l.put(LABEL_NAME, VALUE_NAME);
    l.put(LABEL_PART_OF, VALUE_PART_OF);
    l.put(LABEL_MANAGED_BY, VALUE_MANAGED_BY);
    l.put(LABEL_COMPONENT, labelValue(s.stage()));
    l.putAll(shardSelector(r));
    return l;
  }

  /**
   * The labels that find every Job of the shard, whatever its activity attempt (equality-based).
   */
  public static Map<String, String> shardSelector(ShardRequest r) {
    StepConfig s = r.step();
    Map<String, String> l = new LinkedHashMap<>();
    l.put(LABEL_SAMPLE, labelValue(s.sample()));
    l.put(LABEL_RUN, labelValue(runName(r.runId())));
    l.put(LABEL_STAGE, labelValue(s.stage()));
    l.put(LABEL_STEP, labelValue(s.step()));
    l.put(LABEL_SHARD, Long.toString(r.shard()));
    return l;
  }

  /** {@code k1=v1,k2=v2}: an equality-based label selector. */
  public static String selector(Map<String, String> labels) {
    StringBuilder b = new StringBuilder();
    labels.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }

  /** The run part of {@code sample/run}. */
  static String runName(String runId) {
    int slash = runId.indexOf('/');
    return slash < 0 ? runId : runId.substring(slash + 1);
  }

  /**
   * A valid label value for {@code value}: characters outside {@code [A-Za-z0-9._-]} become {@code
   * _}, ends are alphanumeric, and a value longer than 63 characters is cut and ends in a hash of
   * the whole.
   */
  public static String labelValue(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String v = value.replaceAll("[^A-Za-z0-9._-]", "_");
    if (v.length() > 63) {
      v = v.substring(0, 54) + "-" + sha256(value).substring(0, HASH_CHARS);
    }
    v = v.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    return v.isEmpty() ? "x" + sha256(value).substring(0, HASH_CHARS) : v;
  }

  public static boolean isDns1123Label(String s) {
    return s != null && s.length() <= 63 && DNS_1123_LABEL.matcher(s).matches();
  }

  public static boolean isLabelValue(String s) {
    return s != null && s.length() <= 63 && LABEL_VALUE.matcher(s).matches();
  }

  private static String dnsPart(String s) {
    String v = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-{2,}", "-");
    return v.replaceAll("^-+", "").replaceAll("-+$", "");
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
