package org.connectome.bench.naive;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.connectome.bench.DurationModel;
import org.connectome.bench.InMemoryMarkerStores;

/**
 * A simulated unit: its duration drawn from the model, a transient failure at the given rate, then
 * its marker.
 */
public final class NaiveActivitiesImpl implements NaiveActivities {
  private final InMemoryMarkerStores markers;
  private final DurationModel durations;
  private final double failureRate;
  private final SplittableRandom seeds;

  public NaiveActivitiesImpl(
      InMemoryMarkerStores markers, DurationModel durations, double failureRate, long seed) {
    this.markers = markers;
    this.durations = durations;
    this.failureRate = failureRate;
    this.seeds = new SplittableRandom(seed);
  }

  @Override
  public void runUnit(Unit u) {
    SplittableRandom r;
    synchronized (seeds) {
      r = seeds.split();
    }
    long nanos = durations.sampleNanos(r);
    if (nanos > 0) {
      LockSupport.parkNanos(nanos);
    }
    if (r.nextDouble() < failureRate) {
      throw ApplicationFailure.newFailure(
          "simulated transient failure of unit " + u.unit(), "UnitFailed");
    }
    markers.markers(Path.of(u.stepKey())).mark(u.unit(), u.unit() + 1, u.paramsHash());
  }
}
