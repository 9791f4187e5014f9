package org.connectome.bench.naive;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** See {@link NaiveWorkflow}. */
public class NaiveWorkflowImpl implements NaiveWorkflow {
  private final NaiveActivities units =
      Workflow.newActivityStub(
          NaiveActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(5))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofMillis(10))
                      .setMaximumInterval(Duration.ofMillis(100))
                      .setMaximumAttempts(3)
                      .build())
              .build());

  @Override
  public Result run(Input in) {
    List<Promise<Void>> pending = new ArrayList<>();
    long next = 0;
    long done = 0;
    int maxPending = 0;
    while (next < in.units() || !pending.isEmpty()) {
      while (pending.size() < in.window() && next < in.units()) {
        pending.add(
            Async.procedure(
                units::runUnit, new NaiveActivities.Unit(in.stepKey(), in.paramsHash(), next++)));
      }
      maxPending = Math.max(maxPending, pending.size());
      Promise.anyOf(pending).get();
      for (Iterator<Promise<Void>> it = pending.iterator(); it.hasNext(); ) {
        Promise<Void> p = it.next();
        if (p.isCompleted()) {
          it.remove();
          if (p.getFailure() == null) {
            done++;
          }
        }
      }
    }
    return new Result(done, maxPending);
  }
}
