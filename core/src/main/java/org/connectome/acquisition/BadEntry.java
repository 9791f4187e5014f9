package org.connectome.acquisition;

/**
 * A coordinate-file line that names no usable tile.
 *
 * @param line 1-based line number
 * @param text the line as written (cut to 200 characters)
 * @param reason what is wrong
 */
public record BadEntry(int line, String text, String reason) {}
