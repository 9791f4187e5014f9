package org.connectome.acquisition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether a section the microscope is writing is complete: its coordinate file is present, every
 * tile it lists exists, and nothing in the section changed for the settle time. A section whose
 * tiles are still missing counts as complete once a later section has appeared and this one has
 * settled: the microscope has moved on, and ingest quarantines what is missing.
 */
public final class SectionReadiness {
  private SectionReadiness() {}

  /**
   * @param ready whether the section can be ingested
   * @param reason what it waits for, when not ready
   */
  public record Result(boolean ready, String reason) {}

  public static Result check(
      SectionFolder section, boolean laterSectionExists, Duration settle, Instant now) {
    if (!Files.exists(section.coordinates())) {
      return new Result(false, section.name() + ": no coordinate file yet");
    }
    CoordinateFile.Parsed parsed;
    try {
      parsed = CoordinateFile.read(section.coordinates());
    } catch (AcquisitionException e) {
      return new Result(false, e.getMessage());
    }
    Instant newest;
    int missing = 0;
    try {
      newest = Files.getLastModifiedTime(section.coordinates()).toInstant();
      for (CoordinateLine l : parsed.tiles()) {
        Path tile = section.dir().resolve(l.relativePath());
        try {
          Instant m = Files.getLastModifiedTime(tile).toInstant();
          if (m.isAfter(newest)) {
            newest = m;
          }
        } catch (NoSuchFileException e) {
          missing++;
        }
      }
    } catch (IOException e) {
      return new Result(false, section.name() + ": " + e);
    }
    Duration quiet = Duration.between(newest, now);
    if (quiet.compareTo(settle) < 0) {
      return new Result(
          false,
          section.name() + ": still being written (changed " + quiet.toSeconds() + " s ago)");
    }
    if (missing > 0 && !laterSectionExists) {
      return new Result(false, section.name() + ": " + missing + " listed tiles not on disk yet");
    }
    return new Result(true, null);
  }
}
