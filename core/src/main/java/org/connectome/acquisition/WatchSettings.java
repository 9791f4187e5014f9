package org.connectome.acquisition;

import java.time.Duration;
import java.util.Map;
import org.connectome.spec.Durations;

/**
 * Live acquisition: the run starts while the microscope is still writing, and a section is ingested
 * once it is complete on disk. Read from the ingest stage's parameters ({@code watch}, {@code
 * settleTime}, {@code watchTimeout}, {@code pollInterval}).
 *
 * @param enabled whether the run watches the acquisition
 * @param settleTime how long a section's files must be unchanged before it counts as written
 * @param timeout how long to wait for the expected sections before the missing ones fail
 * @param pollInterval how often to look for newly completed sections
 */
public record WatchSettings(
    boolean enabled, Duration settleTime, Duration timeout, Duration pollInterval) {
  public static WatchSettings of(Map<String, Object> params) {
    return new WatchSettings(
        Boolean.TRUE.equals(params.get("watch")),
        duration(params.get("settleTime"), Duration.ofSeconds(30)),
        duration(params.get("watchTimeout"), Duration.ofHours(24)),
        duration(params.get("pollInterval"), Duration.ofSeconds(15)));
  }

  private static Duration duration(Object v, Duration fallback) {
    if (v instanceof String s) {
      return Durations.parse(s);
    }
    if (v instanceof Number n) {
      return Duration.ofMillis((long) (n.doubleValue() * 1000));
    }
    return fallback;
  }
}
