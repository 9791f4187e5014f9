package org.connectome.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.connectome.acquisition.AcquisitionException;
import org.connectome.acquisition.SectionFolder;
import org.connectome.layout.QcFigures;
import org.connectome.layout.StepLayout;
import org.connectome.task.TaskDefinition;
import org.connectome.tasks.BadDefinitionException;
import org.connectome.tasks.UnitContext;
import org.connectome.tasks.UnitException;
import org.connectome.tasks.UnitRunner;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.JobParameters;
import org.springframework.batch.core.JobParametersBuilder;
import org.springframework.batch.core.step.skip.SkipLimitExceededException;

/**
 * Ingests one section per unit as a Spring Batch job, in the worker. Unit {@code i} is the
 * acquisition's {@code i}-th section folder. A section whose bad tiles exceed the limit, or that
 * cannot be read at all, fails for good with a report listing what is wrong; anything else (an I/O
 * hiccup, a lost database connection, a crash) is retried, and the retry restarts the job from its
 * last committed chunk.
 */
final class IngestUnitRunner implements UnitRunner {
  private final IngestBatch batch;
  private final IngestRepository repo;
  private final IngestMetrics metrics;
  private final TaskDefinition def;
  private final StepLayout layout;
  private final IngestParams params;
  private List<SectionFolder> sections;

  IngestUnitRunner(
      IngestBatch batch,
      IngestRepository repo,
      IngestMetrics metrics,
      TaskDefinition def,
      StepLayout layout)
      throws BadDefinitionException {
    this.batch = batch;
    this.repo = repo;
    this.metrics = metrics;
    this.def = def;
    this.layout = layout;
    try {
      this.params = IngestParams.of(def.params());
    } catch (IllegalArgumentException e) {
      throw new BadDefinitionException(e.getMessage(), e);
    }
  }

  private List<SectionFolder> sections() throws UnitException {
    if (sections == null) {
      if (def.acquisition() == null) {
        throw new UnitException("the run spec names no acquisition folder", false);
      }
      try {
        sections = SectionFolder.list(Path.of(def.acquisition()));
      } catch (IOException e) {
        throw new UnitException(e.getMessage(), true, e);
      }
    }
    return sections;
  }

  @Override
  public void run(UnitContext unit) throws UnitException, InterruptedException {
    List<SectionFolder> all = sections();
    if (unit.unit() >= all.size()) {
      throw new UnitException(
          "section "
              + unit.unit()
              + " does not exist: the acquisition "
              + def.acquisition()
              + " has "
              + all.size()
              + " section folders",
          false);
    }
    SectionFolder section = all.get((int) unit.unit());
    String sample = def.runId().substring(0, def.runId().indexOf('/'));
    metrics.initSample(sample);
    Path work = layout.outputDir().resolve("sections").resolve(section.name());
    SectionIngestJob job =
        new SectionIngestJob(batch, repo, metrics, def.runId(), sample, section, params, work);
    JobParameters jp =
        new JobParametersBuilder()
            .addString("runId", def.runId())
            .addLong("sectionIndex", (long) section.index())
            .addString("paramsHash", def.paramsHash())
            .addString("sectionFolder", section.dir().toString(), false)
            .toJobParameters();
    JobExecution e;
    try {
      e = batch.run(job.build(), jp);
    } catch (org.springframework.batch.core.repository.JobInstanceAlreadyCompleteException done) {
      // the job finished but the marker was not written (the worker died in between), or the
      // manifest was deleted or cut short since: the catalog's tile rows are the manifest, write
      // the file again
      try {
        job.writeManifestFile();
      } catch (IOException io) {
        throw new UnitException(
            "cannot write the manifest of section " + section.name() + ": " + io, true, io);
      }
      unit.output(work.resolve(SectionIngestJob.MANIFEST_FILE));
      return;
    } catch (Exception ex) {
      throw new UnitException(
          "cannot start the ingest of section " + section.name() + ": " + ex, true, ex);
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("ingest of " + section.name() + " stopped");
    }
    if (e.getStatus() == BatchStatus.COMPLETED) {
      unit.output(work.resolve(SectionIngestJob.MANIFEST_FILE));
      publishQc(unit, section, e.getExecutionContext().getInt(SectionIngestJob.LISTED, 0));
      return;
    }
    List<Throwable> failures = e.getAllFailureExceptions();
    Throwable cause = failures.isEmpty() ? null : failures.get(0);
    if (hasCause(cause, SkipLimitExceededException.class)) {
      List<IngestRepository.Quarantined> bad;
      try {
        bad = job.quarantineAllBadTiles();
      } catch (IOException io) {
        throw new UnitException(
            "section "
                + section.name()
                + " has more bad tiles than allowed; listing them "
                + "failed: "
                + io,
            true,
            io);
      }
      int listed = (int) e.getExecutionContext().getInt(SectionIngestJob.LISTED, bad.size());
      String report = SectionIngestJob.report(bad, params.allowance(listed));
      repo.saveSection(
          def.runId(),
          new IngestRepository.SectionSummary(
              section.index(),
              section.section(),
              section.dir().toString(),
              "FAILED",
              0,
              (int) repo.tileCount(def.runId(), section.index()),
              bad.size(),
              0,
              0,
              report));
      throw new UnitException(
          "section " + section.name() + " has more bad tiles than allowed: " + report, false);
    }
    if (hasCause(cause, AcquisitionException.class)) {
      throw new UnitException(rootMessage(cause, AcquisitionException.class), false);
    }
    throw new UnitException(
        "ingest of section "
            + section.name()
            + " failed ("
            + e.getStatus()
            + "): "
            + (cause == null ? e.getExitStatus().getExitDescription() : cause.toString()),
        true,
        cause);
  }

  /**
   * The section's share of quarantined tiles (bad, not superseded by a re-imaged tile), a figure
   * the run's QC gates may bound ({@code qcGates: {stage: ingest, figure: quarantinedTileShare}}).
   */
  private void publishQc(UnitContext unit, SectionFolder section, int listed) throws UnitException {
    long bad =
        repo.quarantined(def.runId(), section.index()).stream()
            .filter(q -> !BadTileReason.NOT_BAD.contains(q.reason()))
            .count();
    try {
      QcFigures.publish(
          Path.of(def.runDir()),
          def.stage(),
          def.step(),
          unit.unit(),
          Map.of(
              "quarantinedTileShare",
              listed == 0 ? 0.0 : (double) bad / listed,
              "tilesQuarantined",
              (double) bad));
    } catch (IOException io) {
      throw new UnitException(
          "cannot write the QC figures of section " + section.name() + ": " + io, true, io);
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return c.getMessage();
      }
    }
    return String.valueOf(t);
  }
}
