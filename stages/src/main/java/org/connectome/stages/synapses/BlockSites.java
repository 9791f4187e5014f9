package org.connectome.stages.synapses;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.connectome.stages.precomputed.AtomicFiles;

/**
 * One {@code synapses.detect} unit's output: the sites whose position lies in the block's core, in
 * {@code output/blocks/<unit / 1000>/u<unit>-<paramsHash>.json}. The params hash in the name lets
 * the index builder tell this run of the step from an earlier one with other parameters without
 * reading the files.
 *
 * @param unit unit index (block)
 * @param block the block's core, {@code x0-x1_y0-y1_z0-z1}
 * @param region the region read (core with context), same form
 * @param paramsHash the step parameters' hash
 * @param sites the sites, sorted by z, y, x
 * @param segments the segment ids in the block's core, sorted (unsigned), so that the annotations
 *     can list every segment, with or without synapses; empty without a segmentation
 */
public record BlockSites(
    long unit, String block, String region, String paramsHash, List<Site> sites, long[] segments) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static Path file(Path stepOutputDir, long unit, String paramsHash) {
    return stepOutputDir
        .resolve("blocks")
        .resolve(String.format("%06d", unit / 1000))
        .resolve("u" + unit + "-" + paramsHash + ".json");
  }

  /** Writes atomically (temp file and rename): readers never see half a file. */
  public void write(Path stepOutputDir) throws IOException {
    AtomicFiles.write(file(stepOutputDir, unit, paramsHash), MAPPER.writeValueAsBytes(this));
  }

  public static BlockSites read(Path file) throws IOException {
    return MAPPER.readValue(Files.readAllBytes(file), BlockSites.class);
  }
}
