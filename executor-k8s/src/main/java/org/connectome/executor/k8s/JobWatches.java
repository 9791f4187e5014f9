package org.connectome.executor.k8s;

import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.auth.ApiKeyAuth;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * The worker's watches of its Jobs and their pods: per namespace one watch of the Jobs and one of
 * the pods that carry {@code app.kubernetes.io/managed-by=connectome-worker} (client-java's shared
 * informers: a LIST, then a WATCH from its resource version, renewed every few minutes; no
 * bookmarks, whose bare objects client-java's strict model classes refuse), whatever the number of
 * shards being followed. Following a Job then costs no request per look: the followers read these
 * caches.
 */
final class JobWatches implements AutoCloseable {
  static final String SELECTOR = JobNaming.LABEL_MANAGED_BY + "=" + JobNaming.VALUE_MANAGED_BY;

  /** The two caches of one namespace. */
  record Caches(SharedIndexInformer<V1Job> jobs, SharedIndexInformer<V1Pod> pods) {
    boolean synced() {
      return jobs.hasSynced() && pods.hasSynced();
    }

    V1Job job(String namespace, String name) {
      return jobs.getIndexer().getByKey(namespace + "/" + name);
    }

    List<V1Pod> pods(String jobName) {
      List<V1Pod> out = new ArrayList<>();
      for (V1Pod p : pods.getIndexer().list()) {
        Map<String, String> l = p.getMetadata().getLabels();
        if (l != null && jobName.equals(l.get("batch.kubernetes.io/job-name"))) {
          out.add(p);
        }
      }
      return out;
    }
  }

  private final SharedInformerFactory factory;
  private final BatchV1Api batch;
  private final CoreV1Api core;
  private final Map<String, Caches> byNamespace = new ConcurrentHashMap<>();

  /**
   * @param client the executor's client; the watches use a copy of it without a read timeout (a
   *     watch is a response that lasts minutes)
   */
  JobWatches(ApiClient client) {
    ApiClient watch = withoutReadTimeout(client);
    this.factory = new SharedInformerFactory(watch);
    this.batch = new BatchV1Api(watch);
    this.core = new CoreV1Api(watch);
  }

  static ApiClient withoutReadTimeout(ApiClient client) {
    OkHttpClient http =
        client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build();
    ApiClient c = new ApiClient(http);
    c.setBasePath(client.getBasePath());
    // (no setVerifyingSsl: it would rebuild the TLS settings that the copied OkHttp client carries)
    // a bearer token lives in the ApiClient; client certificates and token files in the OkHttp
    // client
    if (client.getAuthentication("BearerToken") instanceof ApiKeyAuth from
        && c.getAuthentication("BearerToken") instanceof ApiKeyAuth to) {
      to.setApiKey(from.getApiKey());
      to.setApiKeyPrefix(from.getApiKeyPrefix());
    }
    return c;
  }

  /**
   * The caches of {@code namespace}, started on first use, when this waits at most {@code sync} for
   * their first LIST; later calls do not wait (the caller asks the API itself while they are not in
   * sync).
   */
  synchronized Caches of(String namespace, Duration sync) throws InterruptedException {
    Caches c = byNamespace.get(namespace);
    if (c != null) {
      return c;
    }
    {
      SharedIndexInformer<V1Job> jobs =
          factory.sharedIndexInformerFor(
              p ->
                  batch
                      .listNamespacedJob(namespace)
                      .labelSelector(SELECTOR)
                      .resourceVersion(p.resourceVersion)
                      .timeoutSeconds(p.timeoutSeconds)
                      .watch(p.watch)
                      .buildCall(null),
              V1Job.class,
              V1JobList.class,
              0);
      SharedIndexInformer<V1Pod> pods =
          factory.sharedIndexInformerFor(
              p ->
                  core.listNamespacedPod(namespace)
                      .labelSelector(SELECTOR)
                      .resourceVersion(p.resourceVersion)
                      .timeoutSeconds(p.timeoutSeconds)
                      .watch(p.watch)
                      .buildCall(null),
              V1Pod.class,
              V1PodList.class,
              0);
      c = new Caches(jobs, pods);
      byNamespace.put(namespace, c);
      factory.startAllRegisteredInformers();
    }
    long end = System.nanoTime() + sync.toNanos();
    while (!c.synced() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    return c;
  }

  @Override
  public void close() {
    factory.stopAllRegisteredInformers();
  }
}
