package org.connectome.task;

import java.time.Instant;

/**
 * What one task process used, as the process saw itself just before it wrote its report: the
 * figures the scale ladder compares across sample sizes.
 *
 * @param cpuSeconds CPU time of the whole process (every thread: units, JIT and GC), seconds
 * @param peakRssBytes the process's peak resident set size ({@code VmHWM}), bytes
 * @param jvmStartedAt when the task's JVM started, before it loaded the task's classes; null if
 *     unknown (reports written before it was recorded)
 */
public record TaskUsage(double cpuSeconds, long peakRssBytes, Instant jvmStartedAt) {}
