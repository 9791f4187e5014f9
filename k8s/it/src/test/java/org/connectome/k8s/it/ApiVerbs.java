package org.connectome.k8s.it;

import io.kubernetes.client.openapi.ApiClient;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Records what a client asks of the API server, as RBAC names it ({@code create jobs}, {@code get
 * pods/log}, {@code watch pods} ...), and counts the requests.
 */
final class ApiVerbs {
  final Set<String> used = new ConcurrentSkipListSet<>();
  final AtomicLong requests = new AtomicLong();

  /** {@code client}, with every request it sends recorded here. */
  ApiClient record(ApiClient client) {
    client.setHttpClient(
        client
            .getHttpClient()
            .newBuilder()
            .addInterceptor(
                chain -> {
                  requests.incrementAndGet();
                  used.add(verb(chain.request()));
                  return chain.proceed(chain.request());
                })
            .build());
    return client;
  }

  /** The RBAC verb and resource of one request to a namespaced resource. */
  static String verb(Request r) {
    HttpUrl url = r.url();
    var seg = url.pathSegments();
    int ns = seg.indexOf("namespaces");
    if (ns < 0 || seg.size() < ns + 3) {
      return r.method() + " " + url.encodedPath();
    }
    String resource = seg.get(ns + 2);
    boolean named = seg.size() > ns + 3;
    if (seg.size() > ns + 4) {
      resource += "/" + seg.get(ns + 4);
    }
    String verb =
        switch (r.method()) {
          case "POST" -> "create";
          case "DELETE" -> named ? "delete" : "deletecollection";
          case "PATCH" -> "patch";
          case "PUT" -> "update";
          default -> "true".equals(url.queryParameter("watch")) ? "watch" : named ? "get" : "list";
        };
    return verb + " " + resource;
  }

  /** The {@code verb resource} pairs a Role's rules grant. */
  static Set<String> granted(com.fasterxml.jackson.databind.JsonNode role) {
    Set<String> out = new TreeSet<>();
    for (var rule : role.path("rules")) {
      for (var res : rule.path("resources")) {
        for (var verb : rule.path("verbs")) {
          out.add(verb.asText() + " " + res.asText());
        }
      }
    }
    return out;
  }
}
