package org.connectome.metrics;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.connectome.catalog.RunStatus;
import org.connectome.catalog.StageStatus;
import org.connectome.catalog.StepState;
import org.connectome.catalog.StepStatus;

/**
 * Time until a whole run is done: the longest path through the graph of its steps, each unfinished
 * step costing the time its running rate gives for its remaining units ({@link StageEta}). A step
 * that has not run long enough to have a rate (not started, or just started) costs nothing here:
 * the estimate is then a lower bound, and says how many steps it could not measure.
 */
public final class RunEta {
  private RunEta() {}

  /**
   * @param seconds the estimate (a lower bound when {@code unmeasured > 0})
   * @param unmeasured unfinished steps without a rate yet
   */
  public record Estimate(double seconds, int unmeasured) {
    public boolean isLowerBound() {
      return unmeasured > 0;
    }
  }

  /**
   * @param waitsFor every step of the run ({@code stage.step}, in plan order) with the steps it
   *     waits for ({@code Pipeline.waitsFor})
   */
  public static Estimate of(Map<String, List<String>> waitsFor, RunStatus status, Instant now) {
    Map<String, StepStatus> steps = new HashMap<>();
    for (StageStatus s : status.stages()) {
      for (StepStatus st : s.steps()) {
        steps.put(s.stage() + "." + st.step(), st);
      }
    }
    Map<String, Double> finish = new HashMap<>();
    double longest = 0;
    int unmeasured = 0;
    for (Map.Entry<String, List<String>> e : waitsFor.entrySet()) {
      double start = 0;
      for (String before : e.getValue()) {
        start = Math.max(start, finish.getOrDefault(before, 0.0));
      }
      StepStatus st = steps.get(e.getKey());
      double own = 0;
      if (st == null || !finished(st.state())) {
        OptionalDouble eta = st == null ? OptionalDouble.empty() : StageEta.etaSeconds(st, now);
        if (eta.isPresent()) {
          own = eta.getAsDouble();
        } else {
          unmeasured++;
        }
      }
      finish.put(e.getKey(), start + own);
      longest = Math.max(longest, start + own);
    }
    return new Estimate(longest, unmeasured);
  }

  private static boolean finished(StepState s) {
    return s == StepState.DONE || s == StepState.DONE_WITH_FAILURES;
  }
}
