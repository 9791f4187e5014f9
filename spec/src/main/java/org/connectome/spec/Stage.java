package org.connectome.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The stages of the acquisition-to-connectome chain, in chain order, with the steps each is made
 * of. A run lists a subset of them in this order.
 */
public enum Stage {
  /** Tiles from the microscope into the tile manifest; unit: section. */
  INGEST("ingest", "ingest"),
  /** Tiles into a section montage; unit: section. */
  STITCH("stitch", "stitch"),
  /**
   * Sections into a 3D volume: register neighbour pairs, solve all sections together, render
   * blocks.
   */
  ALIGN("align", "pairs", "solve", "render"),
  /**
   * Flood-filling segmentation per subvolume with overlap (inference), agreement of neighbouring
   * subvolumes in their overlaps (overlaps), a union-find of those agreements per shard of
   * subvolumes (reconcile), the shards merged level by level into dense global IDs (merge), and the
   * global segmentation written in blocks (relabel).
   */
  SEGMENT("segment", "inference", "overlaps", "reconcile", "merge", "relabel"),
  /**
   * Synaptic sites with pre- and post-synaptic segments per block (detect), then one annotation
   * collection with its spatial and relationship indexes over all blocks (index).
   */
  SYNAPSES("synapses", "detect", "index"),
  /** Image and segmentation volumes as multi-scale Neuroglancer precomputed; unit: block. */
  COMPRESS("compress", "image", "segmentation"),
  /** Meshes per block, then merged per segment. */
  MESH("mesh", "blocks", "merge");

  private final String id;
  private final List<String> steps;

  Stage(String id, String... steps) {
    this.id = id;
    this.steps = List.of(steps);
  }

  /** The stage's name in specs, metrics and the catalog. */
  public String id() {
    return id;
  }

  /** The stage's steps, in execution order. */
  public List<String> steps() {
    return steps;
  }

  public static Optional<Stage> byId(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
  }

  /** Every step of the chain as {@code stage.step}, in chain order. */
  public static List<String> qualifiedSteps() {
    return Arrays.stream(values())
        .flatMap(s -> s.steps().stream().map(step -> s.id() + "." + step))
        .toList();
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(Stage::id).toList();
  }
}
