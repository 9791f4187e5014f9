package org.connectome.executor.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task JVMs' class-data archive: dumped by one task, placed when it exits 0, mapped by the
 * next. The JVM's own dump is stood in for by a file here; the dump and the mapping were measured
 * on real task JVMs (BENCHMARKS.md, "JVM start of a task").
 */
class TaskClassArchiveTest {
  @TempDir Path dir;

  private String jars() {
    // two real jars of this test's class path
    List<String> jars =
        List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
            .filter(e -> e.endsWith(".jar"))
            .limit(2)
            .toList();
    assertEquals(2, jars.size());
    return String.join(File.pathSeparator, jars);
  }

  @Test
  void oneTaskDumpsTheArchiveAndTheNextMapIt() throws Exception {
    TaskClassArchive a = TaskClassArchive.of(jars(), Map.of("CX_TOOLS_HOME", dir.toString()));
    TaskClassArchive.Use first = a.next();
    assertTrue(first.options().get(0).startsWith("-XX:ArchiveClassesAtExit="), first.toString());
    // a second task while the first dumps neither dumps nor maps
    assertEquals(List.of(), a.next().options());
    Files.writeString(first.dump(), "archive");
    a.ended(first, 0);
    TaskClassArchive.Use later = a.next();
    assertNull(later.dump());
    assertTrue(later.options().get(0).startsWith("-XX:SharedArchiveFile=" + dir.resolve("cds")));
    assertTrue(Files.isRegularFile(Path.of(later.options().get(0).split("=", 2)[1])));
  }

  @Test
  void aFailedDumpIsThrownAwayAndTheNextTaskDumpsAgain() throws Exception {
    TaskClassArchive a = TaskClassArchive.of(jars(), Map.of("CX_TOOLS_HOME", dir.toString()));
    TaskClassArchive.Use first = a.next();
    Files.writeString(first.dump(), "half");
    a.ended(first, 3);
    assertFalse(Files.exists(first.dump()));
    assertTrue(a.next().options().get(0).startsWith("-XX:ArchiveClassesAtExit="));
  }

  @Test
  void classFoldersAndTheSwitchTurnItOff() {
    String withFolder = jars() + File.pathSeparator + dir;
    assertEquals(
        List.of(),
        TaskClassArchive.of(withFolder, Map.of("CX_TOOLS_HOME", dir.toString())).next().options());
    assertEquals(
        List.of(),
        TaskClassArchive.of(jars(), Map.of("CX_TOOLS_HOME", dir.toString(), "CX_TASK_CDS", "off"))
            .next()
            .options());
  }
}
