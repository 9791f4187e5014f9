package org.connectome.spec;

/**
 * How many units of a step may fail for good (after all retries) while the run goes on. The
 * allowance is the larger of the two limits; a step whose failures exceed it fails with a report of
 * the failed unit ranges.
 *
 * @param maxFailedUnits failed units allowed
 * @param maxFailedFraction failed units allowed as a share of the step's units, 0 to 1
 */
public record FailureBudget(Long maxFailedUnits, Double maxFailedFraction) {}
