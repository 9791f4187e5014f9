package org.connectome.activities.recording;

import java.time.Instant;

/**
 * @param at when the catalog recorded it
 */
public record Recorded(Instant at) {}
