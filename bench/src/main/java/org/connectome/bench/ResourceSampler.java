package org.connectome.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Samples this process: CPU time (com.sun.management.OperatingSystemMXBean), heap in use (polled
 * every {@code periodMillis}) and the heap pools' peak usage (reset at start), GC counts, and
 * attributes CPU to the step that runs (steps of a run follow one another; whoever calls {@link
 * #step} names the current one).
 */
public final class ResourceSampler implements AutoCloseable {
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final Thread thread;
  private final long cpuStart;
  private final long wallStart = System.nanoTime();
  private final long gcCountStart;
  private final long gcMillisStart;
  private volatile boolean running = true;
  private volatile String step = "(start)";
  private volatile long peakHeapUsed;
  private final Map<String, long[]> perStep = new LinkedHashMap<>(); // step -> {cpu ns, wall ns}
  private long lastCpu;
  private long lastWall;

  public ResourceSampler(long periodMillis) {
    System.gc();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
    cpuStart = os.getProcessCpuTime();
    lastCpu = cpuStart;
    lastWall = wallStart;
    gcCountStart = gcCount();
    gcMillisStart = gcMillis();
    thread =
        new Thread(
            () -> {
              while (running) {
                sample();
                try {
                  Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "resource-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** The step now running; CPU from now on is attributed to it. */
  public void step(String name) {
    if (!name.equals(step)) {
      synchronized (this) {
        attribute();
        step = name;
      }
    }
  }

  private synchronized void sample() {
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    if (used > peakHeapUsed) {
      peakHeapUsed = used;
    }
    attribute();
  }

  private void attribute() {
    long cpu = os.getProcessCpuTime();
    long wall = System.nanoTime();
    long[] s = perStep.computeIfAbsent(step, k -> new long[2]);
    s[0] += cpu - lastCpu;
    s[1] += wall - lastWall;
    lastCpu = cpu;
    lastWall = wall;
  }

  public double cpuSeconds() {
    return (os.getProcessCpuTime() - cpuStart) / 1e9;
  }

  public double wallSeconds() {
    return (System.nanoTime() - wallStart) / 1e9;
  }

  /** Largest heap in use seen by polling (garbage included: an upper bound of what was live). */
  public long peakHeapUsedPolled() {
    return peakHeapUsed;
  }

  /**
   * Sum over heap pools of their peak usage since the start (each pool's own peak, so an upper
   * bound).
   */
  public static long peakHeapPools() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  public long gcCountDelta() {
    return gcCount() - gcCountStart;
  }

  public long gcMillisDelta() {
    return gcMillis() - gcMillisStart;
  }

  private static long gcCount() {
    long n = 0;
    for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, g.getCollectionCount());
    }
    return n;
  }

  private static long gcMillis() {
    long n = 0;
    for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, g.getCollectionTime());
    }
    return n;
  }

  /** CPU and wall seconds per step, in the order the steps ran. */
  public synchronized Map<String, double[]> perStep() {
    attribute();
    Map<String, double[]> out = new LinkedHashMap<>();
    perStep.forEach((k, v) -> out.put(k, new double[] {v[0] / 1e9, v[1] / 1e9}));
    return out;
  }

  /** Heap in use after a full collection: what stays live. */
  public static long liveHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    sample();
  }
}
