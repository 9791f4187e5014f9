package org.connectome.acquisition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.connectome.spec.Param;

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
  static final Param<Boolean> WATCH =
      Param.flag(
          "watch",
          false,
          "Live acquisition: start while the microscope is still writing, ingesting each section"
              + " once it is complete on disk.");
  static final Param<Duration> SETTLE_TIME =
      Param.duration(
          "settleTime",
          Duration.ofSeconds(30),
          "With watch: how long a section's files must stay unchanged before it counts as"
              + " written.");
  static final Param<Duration> WATCH_TIMEOUT =
      Param.duration(
          "watchTimeout",
          Duration.ofHours(24),
          "With watch: how long to wait for the expected sections (volume.sections) before the"
              + " missing ones fail.");
  static final Param<Duration> POLL_INTERVAL =
      Param.duration(
          "pollInterval",
          Duration.ofSeconds(15),
          "With watch: how often to look for newly completed sections.");

  /** The ingest parameters of a live acquisition. */
  public static final List<Param<?>> PARAMS =
      List.of(WATCH, SETTLE_TIME, WATCH_TIMEOUT, POLL_INTERVAL);

  /**
   * The settings in {@code params}. Workflow code reads them, so a value of the wrong type (which
   * the spec's schema rejects before any run starts) gives the default instead of an exception.
   */
  public static WatchSettings of(Map<String, Object> params) {
    return new WatchSettings(
        lenient(WATCH, params),
        lenient(SETTLE_TIME, params),
        lenient(WATCH_TIMEOUT, params),
        lenient(POLL_INTERVAL, params));
  }

  private static <T> T lenient(Param<T> p, Map<String, Object> params) {
    try {
      return p.read("ingest.ingest", params);
    } catch (IllegalArgumentException e) {
      return p.read("ingest.ingest", Map.of());
    }
  }
}
