package org.connectome.task;

/**
 * What one task process used, as the process saw itself just before it wrote its report: the
 * figures the scale ladder compares across sample sizes.
 *
 * @param cpuSeconds CPU time of the whole process (every thread: units, JIT and GC), seconds
 * @param peakRssBytes the process's peak resident set size ({@code VmHWM}), bytes
 */
public record TaskUsage(double cpuSeconds, long peakRssBytes) {}
