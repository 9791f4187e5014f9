package org.connectome.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog contract on an embedded H2 file database, plus the AUTO_SERVER URL form. */
class H2CatalogTest extends CatalogContractTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir Path dir;

  @Override
  protected String newDatabaseUrl() {
    return Catalog.h2FileUrl(dir.resolve("db" + DATABASES.incrementAndGet()).resolve("catalog"));
  }

  @Override
  protected Dialect expectedDialect() {
    return Dialect.H2;
  }

  @Override
  protected String unreachableUrlWithPassword() {
    return "jdbc:h2:file:"
        + dir.toAbsolutePath()
        + "/missing/catalog;IFEXISTS=TRUE;USER=sa;PASSWORD=s3cret";
  }

  @Test
  void h2FileUrlForm() {
    assertEquals(
        "jdbc:h2:file:/data/cx/catalog;AUTO_SERVER=TRUE",
        Catalog.h2FileUrl(Path.of("/data/cx/catalog")));
    assertEquals(
        "jdbc:h2:file:/data/cx/catalog;AUTO_SERVER=TRUE",
        Catalog.h2FileUrl(Path.of("/data/cx/catalog.mv.db")));
    assertTrue(url.startsWith("jdbc:h2:file:/") && url.endsWith(";AUTO_SERVER=TRUE"), url);
  }

  @Test
  void twoCatalogsOnTheSameAutoServerFile() {
    register(RUN);
    catalog.runs().updateState(RUN, RunState.RUNNING, null);
    Catalog reader = open(url);
    assertEquals(RunState.RUNNING, reader.progress().status(RUN).run().state());
    reader.events().record(failed(RUN), List.of(message("from the second instance")));
    assertEquals(
        List.of("from the second instance"),
        catalog.notifications().claimDue("d", java.time.Duration.ofMinutes(1), 5).stream()
            .map(n -> n.idempotencyKey())
            .toList());
  }

  @Test
  void secondProcessReadsAndWritesWhileTheFirstHoldsTheFile() throws Exception {
    register(RUN);
    catalog.runs().updateState(RUN, RunState.RUNNING, null);
    catalog.progress().upsertStage(RUN, "stitch", 1, StageState.RUNNING, null);
    Path out = dir.resolve("child.out");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ReadRunMain.class.getName(),
                url,
                RUN)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child process timed out");
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains("state=RUNNING stages=1"), text);
    assertEquals(1L, catalog.events().countByKind(RUN).get(EventKind.RUN_RESUMED), text);
  }

  @Test
  void processesOpeningAFreshFileAtOnceAllSeeItMigratedOnce() throws Exception {
    // workers and a launch started together on a new machine: H2 commits DDL at once, so a second
    // process can
    // meet the first one's tables before its version rows; it must wait for them, not fail
    String fresh = newDatabaseUrl();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      children.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  OpenCatalogMain.class.getName(),
                  fresh)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("open" + i + ".out").toFile())
              .start());
    }
    for (int i = 0; i < children.size(); i++) {
      assertTrue(children.get(i).waitFor(60, TimeUnit.SECONDS), "child " + i + " timed out");
      String text = Files.readString(dir.resolve("open" + i + ".out"), StandardCharsets.UTF_8);
      assertEquals(0, children.get(i).exitValue(), text);
      assertTrue(text.contains("version=" + LATEST), text);
    }
    assertEquals(LATEST, versionRows(open(fresh)).size());
  }
}
