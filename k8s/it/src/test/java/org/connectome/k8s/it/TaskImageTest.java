package org.connectome.k8s.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.connectome.executor.k8s.KubernetesExecutorConfig;
import org.connectome.layout.RunLayout;
import org.connectome.layout.StepLayout;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.spec.RunSpec;
import org.connectome.task.TaskDefinition;
import org.connectome.task.TaskEnv;
import org.connectome.units.Ranges;
import org.connectome.units.UnitRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The task image carries the stage code: one real unit of every step that runs in task pods, run by
 * {@code podman run} inside the task image as a pod runs it (non-root user 10001, read-only root
 * file system, {@code /tmp} its only scratch space, the data folder mounted at its own path, the
 * environment the Kubernetes executor sets). The sample is first taken through the chain in this
 * JVM; then each step's first task loses its completion markers, runs again in the image, and must
 * exit 0, mark its units done and write outputs identical to what this JVM wrote. An image without
 * a stage's code fails here (exit 12, "cannot run in this task image").
 */
class TaskImageTest {
  @Test
  @Timeout(900)
  void everyStepRunsOneUnitInsideTheTaskImage() throws Exception {
    Images.Built images = Images.get();
    Map<String, String> env = Images.podmanEnv();
    // the image's entry point is the command the executor runs behind its wrapper, as user 10001
    String config =
        Exec.ok(
            List.of(
                "podman",
                "image",
                "inspect",
                "--format",
                "{{json .Config.Entrypoint}} {{.Config.User}}",
                images.task()),
            env,
            Duration.ofSeconds(30));
    String entrypoint = config.substring(0, config.lastIndexOf(' '));
    List<String> command = new ArrayList<>();
    new ObjectMapper().readTree(entrypoint).forEach(n -> command.add(n.asText()));
    assertEquals(KubernetesExecutorConfig.DEFAULT_TASK_COMMAND, command);
    assertEquals("10001:10001", config.substring(config.lastIndexOf(' ') + 1).strip());

    RunSpec spec = DemoSample.local().spec();
    // the acquisition (stitch reads the tiles) and the data root, at their own paths
    Path data = DemoSample.local().dir();
    RunLayout run = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run());
    List<String> ran = new ArrayList<>();
    for (StepConfig step : Pipeline.steps(spec)) {
      if (step.stage().equals("ingest")) {
        continue; // ingest runs inside the worker, next to the microscope's storage
      }
      StepLayout layout = run.step(step.stage(), step.step());
      Map<String, String> before = DemoSample.checksums(layout.dir());
      TaskDefinition def = TaskDefinition.read(layout.definitionFile());
      UnitRange units = def.plan().grouping().unitsOfTask(0);
      List<Path> markers = markersOf(layout, units);
      assertEquals(units.to() - units.from(), markers.size(), step.qualifiedName() + " markers");
      for (Path m : markers) {
        Files.delete(m);
      }
      Exec e =
          Exec.run(
              List.of(
                  "podman",
                  "run",
                  "--rm",
                  "--network",
                  "none",
                  "--read-only",
                  "--read-only-tmpfs=false",
                  "--tmpfs",
                  "/tmp:rw,size=512m,mode=1777",
                  "--volume",
                  data + ":" + data,
                  "--env",
                  TaskEnv.STEP_DIR + "=" + layout.dir(),
                  "--env",
                  TaskEnv.TASKS + "=" + Ranges.format(List.of(new UnitRange(0, 1))),
                  "--env",
                  TaskEnv.COMPLETION_INDEX + "=0",
                  "--env",
                  TaskEnv.ATTEMPT + "=2",
                  "--env",
                  TaskEnv.HOST + "=image-test@podman",
                  "--env",
                  "HOME=/tmp",
                  images.task()),
              env,
              Duration.ofMinutes(5));
      assertEquals(0, e.exit(), step.qualifiedName() + " in the task image:\n" + e.output());
      List<Path> again = markersOf(layout, units);
      assertEquals(markers.size(), again.size(), step.qualifiedName() + " marked again");
      for (Path m : again) {
        JsonNode marker = new ObjectMapper().readTree(m.toFile());
        assertEquals(2, marker.get("attempt").asInt(), m.toString());
        assertEquals("image-test@podman", marker.get("host").asText(), m.toString());
      }
      assertEquals(
          before,
          DemoSample.checksums(layout.dir()),
          step.qualifiedName() + ": the image's outputs differ from this JVM's");
      ran.add(step.qualifiedName());
    }
    assertTrue(ran.size() >= 12, "steps run in the image: " + ran);
    System.out.printf("task image %s ran one task of each of %s%n", images.task(), ran);
  }

  private static List<Path> markersOf(StepLayout layout, UnitRange units) throws Exception {
    List<Path> out = new ArrayList<>();
    for (long u = units.from(); u < units.to(); u++) {
      Path bucket = layout.markersDir().resolve(String.format("%06d", u / 1000));
      String prefix = "u" + u + "-";
      if (!Files.isDirectory(bucket)) {
        continue;
      }
      try (Stream<Path> files = Files.list(bucket)) {
        files
            .filter(f -> f.getFileName().toString().startsWith(prefix))
            .filter(f -> f.getFileName().toString().endsWith(".json"))
            .forEach(out::add);
      }
    }
    return out;
  }
}
