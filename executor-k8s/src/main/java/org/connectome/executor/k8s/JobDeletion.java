package org.connectome.executor.k8s;

import org.connectome.executor.ExecutorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deleting a shard's Job and waiting until it and its pods are gone. */
final class JobDeletion {
  private static final Logger log = LoggerFactory.getLogger(JobDeletion.class);

  private JobDeletion() {}

  /**
   * Deletes Job {@code name} (its pods in the background) and waits, at most {@code
   * config.deleteTimeout()}, until it and its pods are gone. Runs even when the thread was
   * interrupted: that interrupt is the caller's to report; one that arrives during the wait is kept
   * on the thread.
   */
  static void deleteAndWait(JobApi api, String name, String why, KubernetesExecutorConfig config) {
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + config.deleteTimeout().toNanos();
    log.info("deleting Job {}: {}", name, why);
    try {
      boolean deleted = false;
      while (!deleted && System.nanoTime() < deadline) {
        try {
          api.delete(name);
          deleted = true;
        } catch (ExecutorException e) {
          log.warn("delete Job {} failed: {}", name, e.getMessage());
          Thread.sleep(config.pollInterval().toMillis());
        }
      }
      boolean jobGone = false;
      while (System.nanoTime() < deadline) {
        try {
          if (!jobGone) {
            jobGone = api.job(name) == null;
          }
          if (jobGone && api.pods(name, null).isEmpty()) {
            log.info("Job {} and its pods are gone", name);
            return;
          }
        } catch (ExecutorException e) {
          log.warn("waiting for Job {} to be gone: {}", name, e.getMessage());
        }
        Thread.sleep(config.pollInterval().toMillis());
      }
      log.warn(
          "Job {} {} still there after {}",
          name,
          jobGone ? "is gone but pods are" : "is",
          config.deleteTimeout());
    } catch (InterruptedException e) {
      interrupted = true;
      log.warn("stopped waiting for Job {} to be gone: interrupted again", name);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
