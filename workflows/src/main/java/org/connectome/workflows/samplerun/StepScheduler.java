package org.connectome.workflows.samplerun;

import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.connectome.acquisition.WatchSettings;
import org.connectome.activities.planning.StreamSource;
import org.connectome.pipeline.Pipeline;
import org.connectome.pipeline.StepConfig;
import org.connectome.workflows.samplerun.StepRunner.Child;
import org.connectome.workflows.samplerun.StepRunner.StageFailed;
import org.connectome.workflows.step.StepResult;
import org.slf4j.Logger;

/**
 * Runs the steps of a plan in the order their inputs allow ({@link Pipeline#waitsFor}): a step
 * starts, in a workflow thread of its own, once every step it waits for is done, so that steps
 * whose inputs are ready run side by side. A step that fails for good blocks what waits for it; the
 * steps that do not read its outputs still run to the end, so that a resume has less to do. During
 * a live acquisition, ingest and stitching run together, stitching streaming the sections ingest
 * finishes. Workflow code.
 */
final class StepScheduler {
  private static final Logger log = Workflow.getLogger(StepScheduler.class);

  /** A piece of the plan that runs as one: a step, or live ingest with the stitching it feeds. */
  private record Node(List<StepConfig> steps, List<String> waitsFor) {
    String name() {
      return steps.get(0).qualifiedName();
    }
  }

  private final List<Pipeline.StagePlan> plan;
  private final StageBook book;
  private final StepRunner runner;
  private final QualityGates gates;
  private final List<Node> nodes = new ArrayList<>();

  private String currentStage;

  StepScheduler(
      List<Pipeline.StagePlan> plan,
      Map<String, List<String>> waitsFor,
      StageBook book,
      StepRunner runner,
      QualityGates gates) {
    this.plan = plan;
    this.book = book;
    this.runner = runner;
    this.gates = gates;
    List<StepConfig> steps = new ArrayList<>();
    plan.forEach(p -> steps.addAll(p.steps()));
    for (int i = 0; i < steps.size(); i++) {
      StepConfig s = steps.get(i);
      if (isLiveIngest(s)
          && i + 1 < steps.size()
          && steps.get(i + 1).qualifiedName().equals("stitch.stitch")) {
        nodes.add(new Node(List.of(s, steps.get(i + 1)), waitsFor.get(s.qualifiedName())));
        i++;
      } else {
        nodes.add(new Node(List.of(s), waitsFor.get(s.qualifiedName())));
      }
    }
  }

  private static boolean isLiveIngest(StepConfig s) {
    return s.qualifiedName().equals("ingest.ingest") && WatchSettings.of(s.params()).enabled();
  }

  /** The stage a step began in last, or null once the plan has run. */
  String currentStage() {
    return currentStage;
  }

  /** Runs the plan; returns null when every step is done, else why the run failed. */
  String run() {
    Set<String> done = new HashSet<>();
    Set<String> blocked = new HashSet<>(); // failed, or waiting for a step that failed
    Map<Node, Promise<String>> running = new LinkedHashMap<>();
    List<Node> waiting = new ArrayList<>(nodes);
    String failure = null;
    while (true) {
      for (Node n : List.copyOf(waiting)) {
        if (n.waitsFor().stream().anyMatch(blocked::contains)) {
          waiting.remove(n);
          n.steps().forEach(s -> blocked.add(s.qualifiedName()));
        } else if (done.containsAll(n.waitsFor())) {
          waiting.remove(n);
          running.put(n, Async.function(this::runNode, n));
        }
      }
      if (running.isEmpty()) {
        break;
      }
      Workflow.await(() -> running.values().stream().anyMatch(Promise::isCompleted));
      for (Map.Entry<Node, Promise<String>> e : List.copyOf(running.entrySet())) {
        if (!e.getValue().isCompleted()) {
          continue;
        }
        running.remove(e.getKey());
        String why = e.getValue().get(); // a cancellation is thrown on
        if (why == null) {
          e.getKey().steps().forEach(s -> done.add(s.qualifiedName()));
        } else {
          e.getKey().steps().forEach(s -> blocked.add(s.qualifiedName()));
          if (failure == null) {
            failure = why;
          }
          if (!running.isEmpty()) {
            log.info(
                "{} failed; waiting for the {} steps running beside it",
                e.getKey().name(),
                running.size());
          }
        }
      }
    }
    currentStage = null;
    return failure;
  }

  /** Runs one node; returns null when done, else why its stage failed. */
  private String runNode(Node n) {
    try {
      StepConfig step = n.steps().get(0);
      if (isLiveIngest(step)) {
        runLiveIngest(step, n.steps().size() == 2 ? n.steps().get(1) : null);
      } else {
        beginIfNew(step.stage());
        StepResult r = runner.runWithResume(step, null, null);
        book.stepDone(step.stage(), r);
        if (!book.open().contains(step.stage())) {
          runner.clearCurrentStep();
          gates.afterStage(step.stage());
        }
      }
      return null;
    } catch (StageFailed f) {
      return f.getMessage();
    }
  }

  private void beginIfNew(String stage) {
    if (!book.begun(stage)) {
      currentStage = stage;
      runner.awaitUnpaused();
      book.begin(stage, stepsOf(stage) + " steps");
    }
  }

  private int stepsOf(String stage) {
    return plan.stream()
        .filter(p -> p.stage().equals(stage))
        .findFirst()
        .orElseThrow()
        .steps()
        .size();
  }

  /**
   * Live acquisition (stitch null when the plan has no stitching): ingest streams sections from the
   * acquisition as the microscope completes them, and stitching streams from ingest, each section
   * starting as soon as it is ingested. Each of the two resumes on its own like any stage; a stitch
   * failure during the acquisition is resumed once ingest has finished.
   */
  private void runLiveIngest(StepConfig ingest, StepConfig stitch) throws StageFailed {
    WatchSettings watch = WatchSettings.of(ingest.params());
    StreamSource fromAcquisition =
        new StreamSource(
            StreamSource.ACQUISITION,
            null,
            null,
            null,
            watch.pollInterval(),
            watch.settleTime(),
            watch.timeout());
    beginIfNew(ingest.stage());
    Child ingestChild = runner.start(ingest, 0, fromAcquisition);
    if (stitch == null) {
      book.stepDone(ingest.stage(), runner.runWithResume(ingest, fromAcquisition, ingestChild));
      runner.clearCurrentStep();
      gates.afterStage(ingest.stage());
      return;
    }
    book.begin(stitch.stage(), "streaming: each section starts once it is ingested");
    Child stitchChild =
        runner.start(
            stitch,
            0,
            new StreamSource(
                StreamSource.STEP,
                ingest.stage(),
                ingest.step(),
                ingest.paramsHash(),
                watch.pollInterval(),
                null,
                null));
    try {
      book.stepDone(ingest.stage(), runner.runWithResume(ingest, fromAcquisition, ingestChild));
      gates.afterStage(ingest.stage());
    } catch (StageFailed f) {
      runner.cancelAndWait(stitchChild, "ingest failed");
      book.cancelled(stitch.stage(), "ingest failed");
      throw f;
    }
    runner.clearCurrentStep();
    currentStage = stitch.stage();
    if (!stitchChild.result().isCompleted()) {
      try {
        stitchChild.stub().upstreamFinished();
      } catch (CanceledFailure e) {
        throw e;
      } catch (RuntimeException e) {
        // it finished on its own meanwhile (it had seen every ingested section): no hint needed
        log.info("stitching finished before being told ingest had: {}", e.getMessage());
      }
    }
    book.stepDone(stitch.stage(), runner.runWithResume(stitch, null, stitchChild));
    runner.clearCurrentStep();
    gates.afterStage(stitch.stage());
  }
}
