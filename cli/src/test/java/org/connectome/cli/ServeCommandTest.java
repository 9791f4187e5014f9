package org.connectome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.connectome.stages.precomputed.DataType;
import org.connectome.stages.precomputed.Encoding;
import org.connectome.stages.precomputed.PrecomputedVolume;
import org.connectome.stages.precomputed.RunVolumes;
import org.connectome.stages.precomputed.VolumeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
  @Test
  void servesARunFolderWithCorsAndPrintsANeuroglancerLink(@TempDir Path runDir) throws Exception {
    PrecomputedVolume.create(
        RunVolumes.neuroglancerImage(runDir),
        VolumeInfo.of(
            VolumeInfo.IMAGE,
            DataType.UINT8,
            1,
            List.of(
                VolumeInfo.Scale.of(
                    new long[] {100, 80, 4},
                    new double[] {8, 8, 33},
                    new int[] {64, 64, 4},
                    Encoding.JPEG,
                    null))));
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd)
        .parseArgs(runDir.toString(), "--port", "0", "--viewer", runDir.resolve("none").toString());
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    ServeCommand.Served s =
        cmd.start(
            cmd.resolveFolder(System.err).orElseThrow(),
            new PrintStream(text, true, StandardCharsets.UTF_8));
    try (var server = s.server()) {
      String out = text.toString(StandardCharsets.UTF_8);
      assertTrue(
          out.contains("precomputed://" + s.base() + "/image (uint8, 1 scale, jpeg, 100x80x4)"),
          out);
      assertTrue(out.contains("https://neuroglancer-demo.appspot.com/#!%7B"), out);
      HttpResponse<String> info =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(s.base() + "/image/info")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, info.statusCode());
      assertEquals("*", info.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
      assertTrue(info.body().contains("neuroglancer_multiscale_volume"));
    }
  }

  @Test
  void saysWhyWhenThereIsNothingToServe() {
    ServeCommand cmd = new ServeCommand();
    new CommandLine(cmd).parseArgs("./no/such/folder");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertTrue(cmd.resolveFolder(new PrintStream(err, true, StandardCharsets.UTF_8)).isEmpty());
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("no folder ./no/such/folder"),
        err.toString());
  }
}
