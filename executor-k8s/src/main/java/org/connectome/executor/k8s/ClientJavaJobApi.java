package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.connectome.executor.ExecutorException;

/**
 * {@link JobApi} on the official Java client: requests with {@link KubeApi}'s bounded retries, and
 * reads of Jobs and pods from the worker's {@link JobWatches} once they are in sync (a Job the
 * watch has not seen yet, just created, is read with a GET).
 */
final class ClientJavaJobApi implements JobApi {
  private final ApiClient client;
  private final BatchV1Api batch;
  private final CoreV1Api core;
  private final String ns;
  private final KubeApi api;
  private final JobWatches.Caches caches;

  /**
   * @param caches the namespace's watches, or null to ask the API server at every look
   */
  ClientJavaJobApi(ApiClient client, String namespace, KubeApi api, JobWatches.Caches caches) {
    this.client = client;
    this.batch = new BatchV1Api(client);
    this.core = new CoreV1Api(client);
    this.ns = namespace;
    this.api = api;
    this.caches = caches;
  }

  @Override
  public String namespace() {
    return ns;
  }

  private boolean watching() {
    return caches != null && caches.synced();
  }

  @Override
  public V1Job create(V1Job job) throws ApiException, ExecutorException, InterruptedException {
    return api.call(
        "create Job " + job.getMetadata().getName(),
        () -> batch.createNamespacedJob(ns, job).execute());
  }

  @Override
  public V1Job job(String name) throws ExecutorException, InterruptedException {
    if (watching()) {
      V1Job cached = caches.job(ns, name);
      if (cached != null) {
        return cached;
      }
    }
    try {
      return api.call("read Job " + name, () -> batch.readNamespacedJob(name, ns).execute());
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw failed("read Job " + name, e, "jobs get");
    }
  }

  @Override
  public List<V1Job> jobs(String labelSelector) throws ExecutorException, InterruptedException {
    try {
      return api.call(
              "list Jobs " + labelSelector,
              () -> batch.listNamespacedJob(ns).labelSelector(labelSelector).execute())
          .getItems();
    } catch (ApiException e) {
      throw failed("list Jobs " + labelSelector, e, "jobs list");
    }
  }

  @Override
  public boolean delete(String name) throws ExecutorException, InterruptedException {
    try {
      api.call(
          "delete Job " + name,
          () ->
              client.execute(
                  batch
                      .deleteNamespacedJob(name, ns)
                      .propagationPolicy("Background")
                      .buildCall(null)));
      return true;
    } catch (ApiException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw failed("delete Job " + name, e, "jobs delete");
    }
  }

  @Override
  public List<V1Pod> pods(String jobName, String jobUid)
      throws ExecutorException, InterruptedException {
    return watching() ? owned(caches.pods(jobName), jobUid) : podsNow(jobName, jobUid);
  }

  @Override
  public List<V1Pod> podsNow(String jobName, String jobUid)
      throws ExecutorException, InterruptedException {
    List<V1Pod> items;
    {
      try {
        items =
            api.call(
                    "list pods of Job " + jobName,
                    () ->
                        core.listNamespacedPod(ns)
                            .labelSelector("batch.kubernetes.io/job-name=" + jobName)
                            .execute())
                .getItems();
      } catch (ApiException e) {
        throw failed("list pods of Job " + jobName, e, "pods list");
      }
    }
    return owned(items, jobUid);
  }

  private static List<V1Pod> owned(List<V1Pod> items, String jobUid) {
    List<V1Pod> out = new ArrayList<>();
    for (V1Pod p : items) {
      if (jobUid == null || ownedBy(p, jobUid)) {
        out.add(p);
      }
    }
    return out;
  }

  private static boolean ownedBy(V1Pod p, String uid) {
    List<V1OwnerReference> owners = p.getMetadata().getOwnerReferences();
    if (owners == null || owners.isEmpty()) {
      return true; // no owner recorded: the name label decides
    }
    return owners.stream().anyMatch(o -> uid.equals(o.getUid()));
  }

  @Override
  public String logTail(String pod, int lines) throws InterruptedException {
    try {
      String text =
          new KubeApi(2, Duration.ofMillis(200), Duration.ofSeconds(2))
              .call(
                  "log of " + pod,
                  () ->
                      core.readNamespacedPodLog(pod, ns)
                          .container(JobFactory.CONTAINER)
                          .tailLines(lines)
                          .limitBytes(16 * 1024)
                          .execute());
      return text == null || text.isBlank() ? null : text.strip();
    } catch (ApiException e) {
      return "(no log of pod " + pod + ": " + KubeApi.describe(e) + ")";
    } catch (ExecutorException e) {
      return "(no log of pod " + pod + ": " + e.getMessage() + ")";
    }
  }

  private ExecutorException failed(String what, ApiException e, String verb) {
    return new ExecutorException(
        "Kubernetes API: "
            + what
            + " in namespace "
            + ns
            + " failed: "
            + KubeApi.describe(e)
            + (e.getCode() == 403 ? " (the worker's Role must allow " + verb + ")" : ""),
        e);
  }
}
