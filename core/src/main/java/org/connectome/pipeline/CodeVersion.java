package org.connectome.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of the platform's code, recorded in every completion marker's provenance. */
public final class CodeVersion {
  private static final String VERSION = load();

  private CodeVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String load() {
    String override =
        System.getenv("CX_CODE_VERSION"); // a container image tag, set by the image build
    if (override != null && !override.isBlank()) {
      return override;
    }
    try (InputStream in =
        CodeVersion.class.getResourceAsStream("/org/connectome/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
