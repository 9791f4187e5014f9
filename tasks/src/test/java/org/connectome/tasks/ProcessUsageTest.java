package org.connectome.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.connectome.task.TaskUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class ProcessUsageTest {
  @Test
  @EnabledOnOs(OS.LINUX)
  void thisJvmHasUsedCpuAndHoldsAtLeastItsHeapInUse() {
    byte[] touched = new byte[32 << 20];
    for (int i = 0; i < touched.length; i += 4096) {
      touched[i] = 1;
    }
    TaskUsage u = ProcessUsage.ofThisProcess();
    assertTrue(u.cpuSeconds() > 0, u.toString());
    // the 32 MB just touched were resident at some point: the peak holds them
    assertTrue(u.peakRssBytes() >= touched.length, u.toString());
    // the JVM began before this test did
    assertTrue(u.jvmStartedAt().isBefore(Instant.now()), u.toString());
  }

  @Test
  void readsVmHwmInKilobytes(@TempDir Path dir) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(
        status, "Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1 kB\n");
    assertEquals(123456L * 1024, ProcessUsage.peakRssBytes(status));
  }

  @Test
  void anUnreadableStatusGivesAnUnknownPeak(@TempDir Path dir) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(status, "VmHWM:\tlots\n");
    assertEquals(-1, ProcessUsage.peakRssBytes(status));
    assertEquals(-1, ProcessUsage.peakRssBytes(dir.resolve("absent")));
  }
}
