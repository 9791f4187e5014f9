package org.connectome.layout;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.connectome.acquisition.WatchSettings;
import org.connectome.pipeline.SampleFacts;
import org.connectome.pipeline.Vec3;
import org.connectome.spec.RunSpec;
import org.connectome.spec.VolumeSpec;

/**
 * Finds what planners need to know about a sample, preferring measurements over declarations: facts
 * published by earlier stages, then the acquisition folder (one {@code <NNN>_S<section>R<n>} folder
 * per section), then the spec's {@code volume}.
 */
public final class SampleFactsResolver {
  /** A section folder of the MultiSEM layout, for example {@code 008_S8R1}. */
  public static final Pattern SECTION_FOLDER = org.connectome.acquisition.SectionFolder.NAME;

  private SampleFactsResolver() {}

  public static SampleFacts resolve(RunSpec spec, RunLayout layout) throws IOException {
    FactsStore facts = new FactsStore(layout.factsDir());
    VolumeSpec v = spec.volume();
    long sections = 0;
    String source = "none known";
    Optional<JsonNode> published = facts.read(FactsStore.SECTIONS);
    boolean watching =
        spec.stages().stream()
            .anyMatch(st -> st.stage().equals("ingest") && WatchSettings.of(st.params()).enabled());
    if (published.isPresent()) {
      sections = published.get().path("sections").asLong();
      source = "found by ingest";
    } else if (watching && v != null && v.sections() != null) {
      sections = v.sections();
      source = "volume.sections of the spec; the acquisition is being written";
    } else if (spec.acquisition() != null && Files.isDirectory(Path.of(spec.acquisition()))) {
      try (Stream<Path> s = Files.list(Path.of(spec.acquisition()))) {
        sections =
            s.filter(Files::isDirectory)
                .filter(p -> SECTION_FOLDER.matcher(p.getFileName().toString()).matches())
                .count();
      }
      source = "section folders in the acquisition";
    } else if (v != null && v.sections() != null) {
      sections = v.sections();
      source = "volume.sections of the spec";
    }
    Vec3 volume;
    Optional<JsonNode> measured = facts.read(FactsStore.VOLUME);
    if (measured.isPresent()) {
      JsonNode m = measured.get();
      volume = new Vec3(m.path("x").asLong(), m.path("y").asLong(), m.path("z").asLong());
    } else if (v != null && v.width() != null && v.height() != null) {
      volume = new Vec3(v.width(), v.height(), sections);
    } else {
      volume = new Vec3(0, 0, 0);
    }
    return new SampleFacts(sections, volume, source);
  }
}
