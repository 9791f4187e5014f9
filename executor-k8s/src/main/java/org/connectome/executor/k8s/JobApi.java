package org.connectome.executor.k8s;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import org.connectome.executor.ExecutorException;

/**
 * The Kubernetes API as the executor uses it: the Jobs of one namespace, their pods and the log of
 * a pod, nothing else (k8s/base's Role grants exactly this). Reads of Jobs and pods may be served
 * from a watch (a cache the API server keeps current with events) instead of a request each.
 * Transient errors (429, 5xx, timeouts) are retried inside; past the bound a call fails with an
 * {@link ExecutorException}, and an error that retrying cannot fix (403, 404, 409, 422) says so.
 */
interface JobApi {
  String namespace();

  /**
   * Creates {@code job}.
   *
   * @throws ApiException the API's refusal as it came: 409 (a Job of that name exists), 400 or 422
   *     (invalid), 403 (the Role does not allow it)
   */
  V1Job create(V1Job job) throws ApiException, ExecutorException, InterruptedException;

  /** The Job named {@code name}, or null when there is none. */
  V1Job job(String name) throws ExecutorException, InterruptedException;

  /** The Jobs that the equality-based {@code labelSelector} selects (a request to the API). */
  List<V1Job> jobs(String labelSelector) throws ExecutorException, InterruptedException;

  /** Deletes a Job, its pods in the background; false when it was gone already. */
  boolean delete(String name) throws ExecutorException, InterruptedException;

  /** The pods of Job {@code jobName}; only those owned by {@code jobUid} when it is not null. */
  List<V1Pod> pods(String jobName, String jobUid) throws ExecutorException, InterruptedException;

  /** As {@link #pods}, but asked of the API server now (a request), never from a watch. */
  List<V1Pod> podsNow(String jobName, String jobUid) throws ExecutorException, InterruptedException;

  /**
   * The last {@code lines} lines of a pod's log (16 KiB at most), null when it is empty, or a note
   * in parentheses saying why it cannot be read.
   */
  String logTail(String pod, int lines) throws InterruptedException;
}
