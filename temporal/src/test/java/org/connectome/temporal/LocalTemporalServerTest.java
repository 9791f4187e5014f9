package org.connectome.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local server on the real Temporal binary (installed by tools/temporal when missing). */
class LocalTemporalServerTest {
  @TempDir Path home;
  private LocalTemporalServer server;

  private LocalTemporalServer server(int port) {
    return new LocalTemporalServer(
        home.resolve("temporal"),
        () -> TemporalBinary.locate(System.getenv(), Path.of("").toAbsolutePath()),
        Map.of("ConnectomeSample", "Keyword"),
        port);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(Duration.ofSeconds(10));
    }
  }

  private static int freePort() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        int p = s.getLocalPort();
        if (p + LocalTemporalServer.UI_OFFSET < 65536) {
          return p;
        }
      }
    }
    throw new IllegalStateException("no port");
  }

  private static WorkflowExecution startWorkflow(WorkflowServiceStubs stubs, String id) {
    var resp =
        stubs
            .blockingStub()
            .startWorkflowExecution(
                StartWorkflowExecutionRequest.newBuilder()
                    .setNamespace("default")
                    .setWorkflowId(id)
                    .setWorkflowType(WorkflowType.newBuilder().setName("NobodyRunsThis"))
                    .setTaskQueue(TaskQueue.newBuilder().setName("nobody"))
                    .setRequestId(UUID.randomUUID().toString())
                    .build());
    return WorkflowExecution.newBuilder().setWorkflowId(id).setRunId(resp.getRunId()).build();
  }

  private static WorkflowExecutionStatus status(WorkflowServiceStubs stubs, WorkflowExecution e) {
    // wait for ready: a channel whose server just restarted reconnects after its backoff
    return stubs
        .blockingStub()
        .withWaitForReady()
        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(e)
                .build())
        .getWorkflowExecutionInfo()
        .getStatus();
  }

  @Test
  void startsOnceAttachesLaterAndSurvivesAKillOfItsProcessWithItsWorkflows() throws Exception {
    int port = freePort();
    server = server(port);
    // two starters at once: one server
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Future<LocalTemporalServer.Attached> a = pool.submit(server::ensureRunning);
    Future<LocalTemporalServer.Attached> b = pool.submit(() -> server(port).ensureRunning());
    LocalTemporalServer.Attached first = a.get();
    LocalTemporalServer.Attached second = b.get();
    pool.shutdown();
    assertEquals(first.endpoint(), second.endpoint());
    assertTrue(first.started() ^ second.started(), "exactly one of them started it");
    LocalTemporalServer.Endpoint e = first.endpoint();
    assertEquals(port, e.port());
    assertEquals("127.0.0.1:" + port, e.address());
    assertEquals("http://127.0.0.1:" + (port + 1000), e.uiUrl());
    assertTrue(Files.exists(server.database()), "state in the SQLite file under CX_HOME");

    WorkflowServiceStubs stubs = ClusterConnection.plain(e.address(), "default").connect(null);
    WorkflowExecution wf = startWorkflow(stubs, "survives-" + UUID.randomUUID());
    assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, status(stubs, wf));

    // SIGKILL of the server: the next command finds it dead and starts it again from its database,
    // on the same port, so connected clients reconnect by themselves
    ProcessHandle process = ProcessHandle.of(e.pid()).orElseThrow();
    process.destroyForcibly();
    process.onExit().get();
    assertTrue(server.running().isEmpty(), "a dead server is not reported running");
    LocalTemporalServer.Attached again = server.ensureRunning();
    assertTrue(again.started() && again.restarted(), "restarted from the same database");
    assertEquals(port, again.endpoint().port(), "same port as before");
    assertNotEquals(e.pid(), again.endpoint().pid());
    assertEquals(
        WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
        status(stubs, wf),
        "the workflow started before the kill is still there, through the same stubs");
    stubs.shutdownNow();

    assertTrue(server.stop(Duration.ofSeconds(10)).isPresent());
    assertTrue(server.running().isEmpty());
    assertTrue(
        server.stop(Duration.ofSeconds(1)).isEmpty(), "stopping a stopped server is a no-op");
  }

  @Test
  void aTakenPreferredPortGivesAnotherPair() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      int chosen = LocalTemporalServer.freePortPair(port);
      assertNotEquals(port, chosen);
      assertTrue(chosen > 0 && chosen + 1000 < 65536);
    }
  }

  @Test
  void aMissingBinaryIsOneClearLine() {
    server =
        new LocalTemporalServer(
            home.resolve("t2"),
            () ->
                TemporalBinary.locate(
                    Map.of("CX_TEMPORAL_BIN", home.resolve("nope").toString()), home),
            Map.of(),
            0);
    TemporalUnavailableException e =
        assertThrows(TemporalUnavailableException.class, server::ensureRunning);
    assertTrue(e.getMessage().contains("CX_TEMPORAL_BIN=" + home.resolve("nope")), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    server = null;
  }

  @Test
  void wrongConnectionSettingsAreNamedBeforeConnecting() {
    ClusterConnection c =
        new ClusterConnection(
            "temporal.example.org",
            "",
            new ClusterConnection.Tls(home.resolve("ca.pem"), home.resolve("c.pem"), null, null),
            "");
    var problems = c.problems();
    assertTrue(
        problems.contains("--temporal: 'temporal.example.org' is not HOST:PORT"),
        problems.toString());
    assertTrue(problems.contains("--namespace: empty"), problems.toString());
    assertTrue(
        problems.contains("--tls-ca: " + home.resolve("ca.pem") + " is not a readable file"));
    assertTrue(problems.contains("--tls-cert and --tls-key: give both for mutual TLS, or neither"));
    assertTrue(problems.contains("--api-key: empty"));
  }
}
