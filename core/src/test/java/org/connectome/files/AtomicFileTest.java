package org.connectome.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir Path dir;

  /** Files.createTempFile would give 0600 whatever the umask: unreadable to a serving account. */
  @Test
  void filesGetTheModeAnyNewFileGetsUnderTheUmask() throws Exception {
    Path reference = Files.createFile(dir.resolve("reference"));
    Path written = dir.resolve("a/b/written");
    AtomicFile.write(written, new byte[] {1, 2, 3});
    assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(written));
    try (var files = Files.list(written.getParent())) {
      assertEquals(List.of(written), files.toList(), "no temporary file is left");
    }
  }

  @Test
  void writesOnAUnitsThreadAreItsOutputsWithSizesAndChecksums() throws Exception {
    UnitOutputs outputs = new UnitOutputs();
    Path info = dir.resolve("run/volume/info");
    AtomicFile.write(dir.resolve("run/before"), new byte[1]); // no unit bound: not recorded
    try (UnitOutputs.Scope s = outputs.bind()) {
      AtomicFile.write(dir.resolve("run/chunk"), new byte[] {1, 2, 3, 4});
      AtomicFile.write(info, "{}".getBytes());
      // the same content again: not rewritten, still an output of this unit
      assertFalse(AtomicFile.writeIfChanged(info, "{}".getBytes()));
    }
    AtomicFile.write(dir.resolve("run/after"), new byte[1]);
    List<OutputFile> files = outputs.files(dir.resolve("run"));
    assertEquals(
        List.of(
            new OutputFile("chunk", 4, Crc32c.of(new byte[] {1, 2, 3, 4})),
            new OutputFile("volume/info", 2, Crc32c.of("{}".getBytes()))),
        files);
    assertEquals(Crc32c.of(dir.resolve("run/chunk")), files.get(0).crc32c());
    Files.delete(info);
    assertThrows(NoSuchFileException.class, () -> outputs.files(dir.resolve("run")));
  }
}
