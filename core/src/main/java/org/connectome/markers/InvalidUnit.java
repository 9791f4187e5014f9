package org.connectome.markers;

/**
 * A unit whose marker is there but does not hold up.
 *
 * @param unit unit index
 * @param problem what is wrong
 * @param detail the file and figures, for example {@code volumes/aligned/8_8_33/0-512_0-512_0-16
 *     has 10 bytes, the marker recorded 4194304}
 */
public record InvalidUnit(long unit, MarkerProblem problem, String detail) {}
