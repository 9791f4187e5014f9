package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Job;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.connectome.executor.ExecutorException;
import org.connectome.executor.ShardRequest;
import org.connectome.units.Ranges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which Job a shard execution follows: the one it created before (same name and key: the activity
 * was retried after its worker died), an unfinished one of an earlier execution of the shard that
 * covers its tasks, or a new one. Adopting instead of creating is what keeps a retried activity
 * from running the tasks twice; a Job that no execution follows any more is deleted.
 */
final class JobAdoption {
  private static final Logger log = LoggerFactory.getLogger(JobAdoption.class);

  private JobAdoption() {}

  /** The Job to follow, or (job null) why the API refused to create one. */
  record Obtained(V1Job job, String rejection) {}

  /**
   * The shard's Job: the one this execution created before (same name and key), an unfinished one
   * of an earlier execution of the shard that covers its tasks, or a new one. Null when the API
   * refused the Job.
   */
  static Obtained obtain(ShardRequest r, KubernetesExecutorConfig config, JobApi api, V1Job job)
      throws InterruptedException, ExecutorException {
    String ns = api.namespace();
    String name = job.getMetadata().getName();
    String key = JobNaming.key(r);
    V1Job existing = api.job(name);
    if (existing != null) {
      checkKey(existing, key, name);
      if (JobFollower.finished(existing) == null) {
        log.info("{} shard {}: adopting running Job {}", r.step().qualifiedName(), r.shard(), name);
        return new Obtained(existing, null);
      }
      // a finished Job of the same name: a new execution of the shard (stage resumed, failed units
      // retried)
      // with the same activity attempt; its tasks must run again, not be read from the old Job
      JobDeletion.deleteAndWait(
          api, name, "finished Job of an earlier execution; the shard runs again", config);
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while replacing Job " + name);
      }
    }
    V1Job earlier = earlierExecution(r, config, api);
    if (earlier != null) {
      log.info(
          "{} shard {}: adopting Job {} of an earlier execution of the shard",
          r.step().qualifiedName(),
          r.shard(),
          earlier.getMetadata().getName());
      return new Obtained(earlier, null);
    }
    try {
      V1Job created = api.create(job);
      log.info(
          "{} shard {}: created Job {} ({} tasks: {})",
          r.step().qualifiedName(),
          r.shard(),
          name,
          Ranges.count(r.tasks()),
          Ranges.format(r.tasks()));
      return new Obtained(created, null);
    } catch (ApiException e) {
      if (e.getCode()
          == 409) { // created meanwhile, by our own earlier try or another worker: adopt it
        V1Job again = api.job(name);
        if (again == null) {
          throw new ExecutorException("Job " + name + " conflicts on create but cannot be read", e);
        }
        if (JobFollower.finished(again) != null) {
          throw new ExecutorException(
              "Job " + name + " of an earlier execution is still being deleted", e);
        }
        checkKey(again, key, name);
        log.info(
            "{} shard {}: Job {} already created; adopting it",
            r.step().qualifiedName(),
            r.shard(),
            name);
        return new Obtained(again, null);
      }
      if (e.getCode() == 400 || e.getCode() == 422) {
        return new Obtained(null, "Job " + name + ": " + KubeApi.describe(e));
      }
      throw new ExecutorException(
          "Kubernetes API: create Job "
              + name
              + " in namespace "
              + ns
              + " failed: "
              + KubeApi.describe(e)
              + (e.getCode() == 403 ? " (check the worker's Role: jobs create)" : ""),
          e);
    }
  }

  private static void checkKey(V1Job existing, String key, String name) throws ExecutorException {
    String theirs = JobFollower.annotations(existing).get(JobNaming.ANN_KEY);
    if (!key.equals(theirs)) {
      throw new ExecutorException(
          "a Job named "
              + name
              + " exists but belongs to another shard execution (key "
              + theirs
              + ", expected "
              + key
              + "); delete it or let its TTL remove it");
    }
  }

  /**
   * An unfinished Job of an earlier execution of the shard; one that cannot serve this execution is
   * deleted.
   */
  private static V1Job earlierExecution(ShardRequest r, KubernetesExecutorConfig config, JobApi api)
      throws InterruptedException, ExecutorException {
    String selector = JobNaming.selector(JobNaming.shardSelector(r));
    List<V1Job> jobs = api.jobs(selector);
    Set<Long> wanted = JobFollower.taskSet(r.tasks());
    V1Job best = null;
    for (V1Job j : jobs) {
      Map<String, String> a = JobFollower.annotations(j);
      if (!r.runId().equals(a.get(JobNaming.ANN_RUN_ID))
          || !r.step().paramsHash().equals(a.get(JobNaming.ANN_PARAMS_HASH))
          || j.getMetadata().getDeletionTimestamp() != null
          || JobFollower.finished(j) != null) {
        continue;
      }
      Set<Long> theirs =
          JobFollower.taskSet(
              Ranges.normalize(Ranges.parse(a.getOrDefault(JobNaming.ANN_TASKS, ""))));
      if (theirs.containsAll(wanted) && (best == null || attemptOf(j) > attemptOf(best))) {
        best = j;
      }
    }
    for (V1Job j : jobs) {
      Map<String, String> a = JobFollower.annotations(j);
      if (j != best
          && r.runId().equals(a.get(JobNaming.ANN_RUN_ID))
          && JobFollower.finished(j) == null
          && j.getMetadata().getDeletionTimestamp() == null) {
        // an unfinished Job of this shard that this execution does not follow would run tasks twice
        JobDeletion.deleteAndWait(
            api, j.getMetadata().getName(), "superseded by a later execution of the shard", config);
      }
    }
    return best;
  }

  private static int attemptOf(V1Job j) {
    try {
      return Integer.parseInt(JobFollower.annotations(j).getOrDefault(JobNaming.ANN_ATTEMPT, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
