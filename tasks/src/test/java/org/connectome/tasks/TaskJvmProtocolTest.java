package org.connectome.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TaskJvmProtocolTest {
  @Test
  void aRequestWithAnyPathOrValueComesBackWhole() {
    TaskJvmProtocol.Request r =
        new TaskJvmProtocol.Request(
            Path.of("/data/run 1/logs/täsk-0.attempt-1.log"),
            Map.of(
                "CX_STEP_DIR", "/data/run 1/stages/align/pairs",
                "CX_TASKS", "0-3,7:9",
                "ODD", "a line\nbreak, a tab\t and a colon: here",
                "EMPTY", ""));
    String line = TaskJvmProtocol.request(r);
    assertFalse(line.contains("\n"), line);
    assertEquals(r, TaskJvmProtocol.parseRequest(line));
  }

  @Test
  void repliesAreTheOnlyLinesReadAsExitCodes() {
    assertEquals(
        Optional.of(new TaskJvmProtocol.Reply(0, 123_456_789L)),
        TaskJvmProtocol.parseReply(TaskJvmProtocol.reply(0, 123_456_789L)));
    assertEquals(
        Optional.of(new TaskJvmProtocol.Reply(13, -1)),
        TaskJvmProtocol.parseReply(TaskJvmProtocol.reply(13, -1)));
    // what a native library prints is not a reply, even when it looks like one
    assertEquals(Optional.empty(), TaskJvmProtocol.parseReply("cx-task-exit 0 100"));
    assertEquals(Optional.empty(), TaskJvmProtocol.parseReply("2026 onnxruntime warning"));
    assertEquals(Optional.empty(), TaskJvmProtocol.parseReply(TaskJvmProtocol.REPLY + "x"));
  }

  @Test
  void aLineThatIsNotARequestSaysWhatItIs() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TaskJvmProtocol.parseRequest("hello"));
    assertTrue(e.getMessage().contains("not a task request: hello"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskJvmProtocol.parseRequest("task L2xvZw== xyz"));
    assertTrue(e.getMessage().contains("field 1"), e.getMessage());
  }
}
