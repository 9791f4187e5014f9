package org.connectome.stages.precomputed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticFileServerTest {
  @Test
  void servesFilesWithCorsAndNothingOutsideItsFolders(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("ng/image/8_8_33"));
    Files.writeString(dir.resolve("ng/image/info"), "{}");
    Files.write(data.resolve("0-64_0-64_0-16"), new byte[] {1, 2, 3});
    Files.writeString(dir.resolve("secret"), "no");
    Path bundle = Files.createDirectories(dir.resolve("dist"));
    Files.writeString(bundle.resolve("index.html"), "<html>");
    try (StaticFileServer s =
        StaticFileServer.start(
            "127.0.0.1", 0, Map.of("/", dir.resolve("ng"), "/viewer/", bundle))) {
      HttpClient c = HttpClient.newHttpClient();
      HttpResponse<byte[]> chunk =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/8_8_33/0-64_0-64_0-16"))
                  .header("Origin", "http://elsewhere:1")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, chunk.statusCode());
      assertEquals("*", chunk.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
      assertArrayEquals(new byte[] {1, 2, 3}, chunk.body());
      HttpResponse<byte[]> part =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/8_8_33/0-64_0-64_0-16"))
                  .header("Range", "bytes=1-1")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(206, part.statusCode(), "a shard's index or chunk is read by range");
      assertEquals("bytes 1-1/3", part.headers().firstValue("Content-Range").orElse(null));
      assertArrayEquals(new byte[] {2}, part.body());
      HttpResponse<byte[]> tail =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/8_8_33/0-64_0-64_0-16"))
                  .header("Range", "bytes=-2")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertArrayEquals(new byte[] {2, 3}, tail.body());
      HttpResponse<byte[]> beyond =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/8_8_33/0-64_0-64_0-16"))
                  .header("Range", "bytes=5-9")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(416, beyond.statusCode());
      HttpResponse<String> info =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/info")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals("application/json", info.headers().firstValue("Content-Type").orElse(null));
      HttpResponse<String> missing =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/nope")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(404, missing.statusCode());
      assertEquals("*", missing.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
      HttpResponse<String> escape =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/../../secret")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(404, escape.statusCode());
      HttpResponse<String> viewer =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/viewer/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals("<html>", viewer.body());
      HttpResponse<String> redirect =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/viewer")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(301, redirect.statusCode());
      assertEquals("/viewer/", redirect.headers().firstValue("Location").orElse(null));
      HttpResponse<Void> preflight =
          c.send(
              HttpRequest.newBuilder(URI.create(s.baseUrl() + "/image/info"))
                  .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      assertEquals(204, preflight.statusCode());
      assertEquals("*", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }
  }
}
