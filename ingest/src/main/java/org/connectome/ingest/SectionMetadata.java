package org.connectome.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.connectome.acquisition.AcquisitionReads;

/**
 * {@code metadata.txt} of a section: key-value lines ({@code key<TAB>value}, {@code key: value} or
 * {@code key=value}).
 */
final class SectionMetadata {
  private SectionMetadata() {}

  /** The keys (lower case) and values; empty when the file is missing or unreadable. */
  static Map<String, String> read(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    try {
      List<String> lines =
          AcquisitionReads.within(
              AcquisitionReads.DEFAULT_TIMEOUT,
              "reading " + file,
              () -> Files.readAllLines(file, StandardCharsets.ISO_8859_1));
      for (String line : lines) {
        String l = line.strip();
        int i = indexOfSeparator(l);
        if (i > 0) {
          out.put(l.substring(0, i).strip().toLowerCase(Locale.ROOT), l.substring(i + 1).strip());
        }
      }
    } catch (IOException e) {
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return out;
    }
    return out;
  }

  private static int indexOfSeparator(String l) {
    for (int i = 0; i < l.length(); i++) {
      char c = l.charAt(i);
      if (c == '\t' || c == ':' || c == '=') {
        return i;
      }
    }
    return -1;
  }

  static int intValue(Map<String, String> meta, int fallback, String... keys) {
    for (String k : keys) {
      String v = meta.get(k);
      if (v != null) {
        try {
          return (int) Double.parseDouble(v.replaceAll("[^0-9.eE+-]", ""));
        } catch (NumberFormatException e) {
          // try the next key
        }
      }
    }
    return fallback;
  }
}
