package org.connectome.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.connectome.catalog.RunRecord;
import org.connectome.layout.RunLayout;
import org.connectome.spec.RunSpec;
import org.connectome.stages.precomputed.NeuroglancerState;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.StaticFileServer;
import org.connectome.stages.precomputed.VolumeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code serve RUN|DIR}: serves a run's {@code neuroglancer/} folder over HTTP with {@code
 * Access-Control-Allow-Origin: *} and prints the Neuroglancer state and link that open it.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serves a run's Neuroglancer folder (the precomputed image, segmentation and synapses that compress,"
            + " mesh and synapses write) over HTTP with CORS, and prints a Neuroglancer link that opens it. RUN is "
            + "SAMPLE/RUN from the catalog; DIR is a run folder or a folder of precomputed volumes. Runs until "
            + "interrupted.")
final class ServeCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN|DIR", description = "A run (SAMPLE/RUN) or a folder.")
  String target;

  @Mixin GlobalOptions global;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description =
          "Interface to bind (default ${DEFAULT-VALUE}; 0.0.0.0 serves other machines too).")
  String host;

  @Option(
      names = "--viewer",
      paramLabel = "DIR",
      defaultValue = "${env:CX_VIEWER_DIST}",
      description =
          "A built Neuroglancer bundle to serve under /viewer/ (default: env CX_VIEWER_DIST, else viewer/dist"
              + " of the working directory when built with 'npm run build --prefix viewer').")
  Path viewer;

  @Option(
      names = "--neuroglancer",
      paramLabel = "URL",
      defaultValue = NeuroglancerState.PUBLIC_VIEWER,
      description = "The Neuroglancer the printed link opens (default ${DEFAULT-VALUE}).")
  String neuroglancer;

  /** A started server and what it printed. */
  record Served(StaticFileServer server, Path folder, String base, ObjectNode state) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    Optional<Path> folder = resolveFolder(System.err);
    if (folder.isEmpty()) {
      return ExitCodes.NOT_FOUND;
    }
    Served s;
    try {
      s = start(folder.get(), System.out);
    } catch (java.net.BindException e) {
      System.err.println(
          "cannot listen on " + host + ":" + port + ": " + e.getMessage() + " (try --port 0)");
      return ExitCodes.UNAVAILABLE;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  s.server().close();
                  stop.countDown();
                },
                "serve-stop"));
    System.out.println("Serving until interrupted (Ctrl-C).");
    System.out.flush();
    stop.await();
    return ExitCodes.OK;
  }

  /**
   * The folder to serve: a run's {@code neuroglancer/}, a folder given directly, or empty after
   * saying why.
   */
  Optional<Path> resolveFolder(PrintStream err) {
    Path p = Path.of(target);
    if (Files.isDirectory(p)) {
      Path ng = RunVolumes.neuroglancer(p);
      return Optional.of((Files.isDirectory(ng) ? ng : p).toAbsolutePath().normalize());
    }
    if (!target.contains("/") || target.startsWith("/") || target.startsWith(".")) {
      err.println("no folder " + target + " (name a run as SAMPLE/RUN, or a folder that exists)");
      return Optional.empty();
    }
    try (Platform platform = Platform.open(global)) {
      Optional<RunRecord> r = RunRef.find(platform.catalog, target);
      if (r.isEmpty()) {
        return Optional.empty();
      }
      RunSpec spec = SpecFiles.fromCatalog(r.get().specJson());
      Path runDir = RunLayout.of(spec.dataRoot(), spec.sample(), spec.run()).runDir();
      Path ng = RunVolumes.neuroglancer(runDir);
      if (!Files.isDirectory(ng)) {
        err.println("run " + target + " has no " + ng + " yet (the compress stage writes it)");
        return Optional.empty();
      }
      return Optional.of(ng.toAbsolutePath().normalize());
    }
  }

  /**
   * Starts serving {@code folder} (and the viewer bundle, when there is one) and prints the state
   * and links.
   */
  Served start(Path folder, PrintStream out) throws IOException {
    Map<String, Path> mounts = new LinkedHashMap<>();
    mounts.put("/", folder);
    Path bundle = viewerBundle();
    if (bundle != null) {
      mounts.put("/viewer/", bundle);
    }
    StaticFileServer server = StaticFileServer.start(host, port, mounts);
    String shownHost =
        host.equals("0.0.0.0") || host.equals("::")
            ? InetAddress.getLocalHost().getHostName()
            : host;
    String base =
        "http://"
            + (shownHost.contains(":") ? "[" + shownHost + "]" : shownHost)
            + ":"
            + server.port();
    List<NeuroglancerState.Layer> layers = NeuroglancerState.layers(folder, base);
    ObjectNode state = NeuroglancerState.state(layers);
    out.println("Serving " + folder + " at " + base + "/ (Access-Control-Allow-Origin: *)");
    if (layers.isEmpty()) {
      out.println("  no image/, segmentation/ or synapses/ with an info file here yet");
    }
    for (NeuroglancerState.Layer l : layers) {
      VolumeInfo i = l.info();
      String what =
          i == null
              ? "annotations"
              : i.dataType().json()
                  + ", "
                  + i.scales().size()
                  + " scale"
                  + (i.scales().size() == 1 ? "" : "s")
                  + ", "
                  + i.scale(0).encoding().json()
                  + ", "
                  + String.join(
                      "x",
                      java.util.Arrays.stream(i.scale(0).size()).mapToObj(Long::toString).toList());
      out.printf("  %-13s %s (%s)%n", l.name(), l.source(), what);
    }
    out.println("Neuroglancer state:");
    out.println(state.toPrettyString());
    out.println("Open in Neuroglancer:");
    out.println("  " + NeuroglancerState.url(neuroglancer, state));
    if (bundle != null) {
      out.println(
          "  "
              + NeuroglancerState.url(base + "/viewer/", state)
              + "   (this project's viewer bundle)");
    }
    out.flush();
    return new Served(server, folder, base, state);
  }

  private Path viewerBundle() {
    Path v = viewer != null ? viewer : Path.of("viewer", "dist");
    return Files.isRegularFile(v.resolve("index.html")) ? v.toAbsolutePath().normalize() : null;
  }
}
