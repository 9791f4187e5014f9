package org.connectome.k8s.it;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.Config;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The development cluster of {@code k8s/dev/cluster} (kube-apiserver, controller-manager,
 * scheduler, etcd, a podman-node that runs pods with podman, kwok nodes), started once per test JVM
 * in a folder of its own on free ports and stopped when the JVM ends.
 */
final class DevCluster {
  private static DevCluster shared;

  final Path dir;
  final Path kubeconfig;
  final Path data;
  final String server;
  final Path ca;
  final String startLine;

  private DevCluster(Path dir, String startLine) throws IOException {
    this.dir = dir;
    this.startLine = startLine;
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("cluster.env"))) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    kubeconfig = Path.of(env.get("KUBECONFIG"));
    data = Path.of(env.get("DATA"));
    server = env.get("API_SERVER");
    ca = Path.of(env.get("CA"));
  }

  static synchronized DevCluster shared() throws Exception {
    if (shared != null) {
      return shared;
    }
    Need.that(Need.onPath("kubectl"), "kubectl is not installed");
    Need.that(Need.onPath("podman"), "podman is not installed");
    Need.that(Need.onPath("setfacl"), "setfacl (Debian's acl) is not installed");
    Path repo = Images.repo();
    for (String script : List.of("k8s/dev/tools", "k8s/dev/tools-kueue")) {
      Exec tools =
          Exec.run(
              List.of(repo.resolve(script).toString(), "--cached-only"),
              Map.of(),
              Duration.ofSeconds(30));
      Need.that(
          tools.exit() == 0,
          "the development cluster's programs are not built ("
              + script
              + " builds them): "
              + tools.output().strip());
    }
    Path dir = Files.createTempDirectory("cx-k8s-");
    List<String> down =
        List.of(repo.resolve("k8s/dev/cluster").toString(), "down", "--dir", dir.toString());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    Exec.run(down, Images.podmanEnv(), Duration.ofMinutes(1));
                    Exec.run(List.of("rm", "-rf", dir.toString()), Map.of(), Duration.ofMinutes(1));
                  } catch (Exception e) {
                    System.err.println("stopping the development cluster: " + e);
                  }
                }));
    String out =
        Exec.ok(
            List.of(repo.resolve("k8s/dev/cluster").toString(), "up", "--dir", dir.toString()),
            Images.podmanEnv(),
            Duration.ofMinutes(5));
    shared = new DevCluster(dir, out.strip());
    System.out.println(shared.startLine);
    return shared;
  }

  /** A client with the cluster's admin identity (system:masters): for setting up tests only. */
  ApiClient admin() throws IOException {
    ApiClient c = Config.fromConfig(kubeconfig.toString());
    c.setReadTimeout(60_000);
    return c;
  }

  /** A client that authenticates with a bearer token, as a worker's service account does. */
  ApiClient withToken(String token) throws IOException {
    ApiClient c =
        new ClientBuilder()
            .setBasePath(server)
            .setCertificateAuthority(Files.readAllBytes(ca))
            .setAuthentication(new AccessTokenAuthentication(token))
            .build();
    c.setReadTimeout(60_000);
    return c;
  }

  String kubectl(String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    return Exec.ok(cmd, Map.of(), Duration.ofMinutes(2));
  }

  /** {@code kubectl apply} of YAML text. */
  String apply(String yaml, String... extra) throws Exception {
    Path f = Files.createTempFile(dir, "apply", ".yaml");
    Files.writeString(f, yaml);
    List<String> args = new java.util.ArrayList<>(List.of("apply", "-f", f.toString()));
    args.addAll(List.of(extra));
    return kubectl(args.toArray(String[]::new));
  }

  /**
   * A new namespace holding what {@code k8s/base} declares (service accounts, Role, RoleBinding,
   * claim, NetworkPolicies, the worker's Deployment scaled to 0: tests run the worker in the test
   * JVM), and a hostPath volume for its data claim: the cluster's data folder.
   */
  String namespace(String name) throws Exception {
    return namespace(name, data);
  }

  /** As {@link #namespace(String)}, with the data claim bound to the host folder {@code data}. */
  String namespace(String name, Path data) throws Exception {
    Path k = Files.createTempDirectory(dir, "kustomize");
    Files.writeString(
        k.resolve("kustomization.yaml"),
        """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: NS
        resources: [BASE]
        patches:
          - target: {kind: Deployment, name: connectome-worker}
            patch: |-
              - {op: replace, path: /spec/replicas, value: 0}
        """
            .replace("NS", name)
            .replace("BASE", k.relativize(Images.repo().resolve("k8s/base")).toString()));
    String rendered =
        kubectl("kustomize", "--load-restrictor", "LoadRestrictionsNone", k.toString());
    apply(rendered);
    apply(
        """
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: data-NS}
        spec:
          capacity: {storage: 1Ti}
          accessModes: [ReadWriteMany]
          persistentVolumeReclaimPolicy: Retain
          claimRef: {namespace: NS, name: connectome-data}
          hostPath: {path: "DATA", type: Directory}
        """
            .replace("NS", name)
            .replace("DATA", data.toString()));
    return name;
  }

  /** A token of the namespace's {@code connectome-worker} service account. */
  String workerToken(String namespace) throws Exception {
    return kubectl("create", "token", "connectome-worker", "-n", namespace, "--duration", "2h")
        .strip();
  }
}
