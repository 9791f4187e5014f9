package org.connectome.acquisition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.connectome.imaging.MultiSem;

/**
 * One section folder of a MultiSEM acquisition, {@code <NNN>_S<section>R<n>}.
 *
 * @param index the ingest unit index: the section's position in acquisition order (by NNN)
 * @param sequence NNN, the acquisition's running number
 * @param section the section number S
 * @param dir the folder
 */
public record SectionFolder(int index, int sequence, int section, Path dir) {
  public static final Pattern NAME = MultiSem.SECTION_FOLDER;

  /** The coordinate file that lists the section's tiles. */
  public Path coordinates() {
    return dir.resolve("full_image_coordinates.txt");
  }

  public Path metadata() {
    return dir.resolve("metadata.txt");
  }

  public String name() {
    return dir.getFileName().toString();
  }

  /**
   * The section folders of an acquisition in acquisition order; other files and folders are
   * ignored. The listing has a time limit ({@link AcquisitionReads}).
   */
  public static List<SectionFolder> list(Path acquisition) throws IOException {
    try {
      return AcquisitionReads.within(
          AcquisitionReads.DEFAULT_TIMEOUT,
          "listing the acquisition " + acquisition,
          () -> listNow(acquisition));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while listing " + acquisition);
    }
  }

  private static List<SectionFolder> listNow(Path acquisition) throws IOException {
    if (!Files.isDirectory(acquisition)) {
      throw new IOException("acquisition folder " + acquisition + " does not exist");
    }
    List<SectionFolder> found = new ArrayList<>();
    try (Stream<Path> s = Files.list(acquisition)) {
      for (Path p : s.filter(Files::isDirectory).toList()) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          found.add(
              new SectionFolder(0, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), p));
        }
      }
    }
    found.sort(
        Comparator.comparingInt(SectionFolder::sequence)
            .thenComparing(f -> f.dir().getFileName().toString()));
    List<SectionFolder> out = new ArrayList<>();
    for (int i = 0; i < found.size(); i++) {
      SectionFolder f = found.get(i);
      out.add(new SectionFolder(i, f.sequence(), f.section(), f.dir()));
    }
    return out;
  }
}
