package org.connectome.imaging;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of the multibeam microscope's (Zeiss MultiSEM, H01 era) output layout:
 *
 * <pre>
 * &lt;name&gt;_&lt;YYYYMMDD&gt;_&lt;HH-MM-SS&gt;/                 an acquisition ("workflow folder")
 *   &lt;NNN&gt;_S&lt;section&gt;R&lt;region&gt;/              a section, e.g. 001_S1R1
 *     full_image_coordinates.txt              TAB-separated: path (backslashes, from the section folder), x, y, z
 *     full_thumbnail_coordinates.txt
 *     metadata.txt
 *     000001/                                 an mFoV folder (6 digits)
 *       image_coordinates.txt                 same columns, file names relative to the mFoV folder
 *       &lt;NNN&gt;_&lt;mFoV 6&gt;_&lt;beam 3&gt;_&lt;timestamp&gt;.bmp
 *       thumbnail_&lt;same name&gt;.bmp
 * </pre>
 *
 * Timestamps are written {@code 2021-05-25T2146499297643}: date, {@code T}, {@code HHmmss} and a
 * 7-digit fraction of the second (100 ns ticks).
 */
public final class MultiSem {
  public static final String FULL_IMAGE_COORDINATES = "full_image_coordinates.txt";
  public static final String FULL_THUMBNAIL_COORDINATES = "full_thumbnail_coordinates.txt";
  public static final String IMAGE_COORDINATES = "image_coordinates.txt";
  public static final String METADATA = "metadata.txt";
  public static final String THUMBNAIL_PREFIX = "thumbnail_";

  /** {@code <name>_<YYYYMMDD>_<HH-MM-SS>}: groups name, date, time. */
  public static final Pattern WORKFLOW_FOLDER =
      Pattern.compile("(.+)_([0-9]{8})_([0-9]{2}-[0-9]{2}-[0-9]{2})");

  /** {@code <NNN>_S<section>R<region>}: groups NNN, section, region. */
  public static final Pattern SECTION_FOLDER = Pattern.compile("([0-9]{3,})_S([0-9]+)R([0-9]+)");

  /** An mFoV folder: six digits. */
  public static final Pattern MFOV_FOLDER = Pattern.compile("[0-9]{6}");

  /**
   * A tile or thumbnail file name: groups thumbnail prefix (or null), NNN, mFoV, beam, timestamp.
   * Tolerant of what real acquisitions hold: an upper-case extension, a timestamp fraction of other
   * than seven digits.
   */
  public static final Pattern TILE_FILE =
      Pattern.compile(
          "(thumbnail_)?([0-9]{3,})_([0-9]{6})_([0-9]{3})_([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6,})\\.(?i:bmp)");

  private static final DateTimeFormatter STAMP_SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss", Locale.ROOT);
  private static final DateTimeFormatter FOLDER_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd_HH-mm-ss", Locale.ROOT);

  private MultiSem() {}

  /** A parsed tile (or thumbnail) file name. */
  public record TileName(
      boolean thumbnail, int sectionIndex, int mfov, int beam, String timestamp) {
    /** Parses a file name (no folder); empty if it is not a tile name. */
    public static Optional<TileName> parse(String fileName) {
      Matcher m = TILE_FILE.matcher(fileName);
      if (!m.matches()) {
        return Optional.empty();
      }
      return Optional.of(
          new TileName(
              m.group(1) != null,
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)),
              Integer.parseInt(m.group(4)),
              m.group(5)));
    }

    /** The file name. */
    public String fileName() {
      return (thumbnail ? THUMBNAIL_PREFIX : "")
          + tileFileName(sectionIndex, mfov, beam, timestamp);
    }

    /** The acquisition time the name carries. */
    public LocalDateTime time() {
      return parseTimestamp(timestamp);
    }
  }

  /** {@code <NNN>_<mFoV 6 digits>_<beam 3 digits>_<timestamp>.bmp}. */
  public static String tileFileName(int sectionIndex, int mfov, int beam, String timestamp) {
    return String.format(Locale.ROOT, "%03d_%06d_%03d_%s.bmp", sectionIndex, mfov, beam, timestamp);
  }

  /** {@code <NNN>_S<section>R<region>}. */
  public static String sectionFolder(int sectionIndex, int section, int region) {
    return String.format(Locale.ROOT, "%03d_S%dR%d", sectionIndex, section, region);
  }

  /** The 6-digit mFoV folder name. */
  public static String mfovFolder(int mfov) {
    return String.format(Locale.ROOT, "%06d", mfov);
  }

  /** {@code <name>_<YYYYMMDD>_<HH-MM-SS>}. */
  public static String workflowFolder(String name, LocalDateTime start) {
    return name + "_" + FOLDER_STAMP.format(start);
  }

  /** {@code 2021-05-25T2146499297643}: the time to 100 ns. */
  public static String timestamp(LocalDateTime t) {
    return STAMP_SECONDS.format(t) + String.format(Locale.ROOT, "%07d", t.getNano() / 100);
  }

  /** Parses a timestamp written by {@link #timestamp}. */
  public static LocalDateTime parseTimestamp(String s) {
    if (s.length() != 24) {
      throw new DateTimeParseException(
          "not a MultiSEM timestamp (yyyy-MM-ddTHHmmss + 7 digits)", s, 0);
    }
    LocalDateTime seconds = LocalDateTime.parse(s.substring(0, 17), STAMP_SECONDS);
    return seconds.withNano(Integer.parseInt(s.substring(17)) * 100);
  }
}
