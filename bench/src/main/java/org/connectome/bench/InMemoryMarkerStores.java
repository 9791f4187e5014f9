package org.connectome.bench;

import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.connectome.layout.StepLayout;
import org.connectome.markers.CompletionMarker;
import org.connectome.markers.CompletionMarkers;
import org.connectome.markers.MarkerStores;
import org.connectome.units.UnitRange;

/**
 * Completion markers in memory: one {@link BitSet} per step folder and parameters hash,
 * thread-safe. Shared by the simulated executor (which marks the units of successful tasks) and the
 * real activities (which scan them to plan, skip and count), so that the orchestration runs exactly
 * as with marker files, without writing millions of them.
 */
public final class InMemoryMarkerStores implements MarkerStores {
  private final Map<Path, Markers> steps = new ConcurrentHashMap<>();
  private final Consumer<StepLayout> onStep;

  /**
   * @param onStep told whenever the activities open a step's markers (planning does first), or null
   */
  public InMemoryMarkerStores(Consumer<StepLayout> onStep) {
    this.onStep = onStep;
  }

  public InMemoryMarkerStores() {
    this(null);
  }

  @Override
  public CompletionMarkers forStep(StepLayout step) {
    if (onStep != null) {
      onStep.accept(step);
    }
    return markers(step.dir());
  }

  /** The markers of the step in folder {@code stepDir}. */
  public Markers markers(Path stepDir) {
    return steps.computeIfAbsent(stepDir.toAbsolutePath().normalize(), d -> new Markers());
  }

  /** Units marked in all steps, under any hash. */
  public long totalMarked() {
    long n = 0;
    for (Markers m : steps.values()) {
      n += m.total();
    }
    return n;
  }

  /** The markers of one step: a bit set per parameters hash. */
  public static final class Markers implements CompletionMarkers {
    private final Map<String, BitSet> byHash = new ConcurrentHashMap<>();

    private BitSet bits(String hash) {
      return byHash.computeIfAbsent(hash, h -> new BitSet());
    }

    /**
     * Marks units {@code [from, to)} done under {@code hash}: what a task does after its units'
     * outputs.
     */
    public void mark(long from, long to, String hash) {
      if (to > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("unit " + to + " beyond the in-memory store's range");
      }
      if (to <= from) {
        return;
      }
      BitSet b = bits(hash);
      synchronized (b) {
        b.set((int) from, (int) to);
      }
    }

    @Override
    public void write(CompletionMarker marker) {
      mark(marker.unit(), marker.unit() + 1, marker.paramsHash());
    }

    @Override
    public boolean isDone(long unit, String paramsHash) {
      BitSet b = byHash.get(paramsHash);
      if (b == null) {
        return false;
      }
      synchronized (b) {
        return b.get((int) unit);
      }
    }

    @Override
    public BitSet scan(UnitRange range, String paramsHash) {
      BitSet b = byHash.get(paramsHash);
      if (b == null || range.isEmpty()) {
        return new BitSet();
      }
      synchronized (b) {
        return b.get((int) range.from(), (int) range.to());
      }
    }

    @Override
    public void invalidate(long unit, String paramsHash, boolean keep) {
      BitSet b = byHash.get(paramsHash);
      if (b != null) {
        synchronized (b) {
          b.clear((int) unit);
        }
      }
    }

    long total() {
      long n = 0;
      for (BitSet b : byHash.values()) {
        synchronized (b) {
          n += b.cardinality();
        }
      }
      return n;
    }
  }
}
