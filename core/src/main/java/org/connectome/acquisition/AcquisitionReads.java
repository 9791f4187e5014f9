package org.connectome.acquisition;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads of the microscope's storage, each with a time limit: a network file system that stops
 * answering fails the read with a message naming the file, instead of leaving a unit hanging for
 * ever. A read runs on a helper thread; one that times out is abandoned there (the task process
 * ends with it). Files that are not regular files (a FIFO, a device) are refused before they are
 * opened, since opening one for reading can block for ever.
 */
public final class AcquisitionReads {
  /** The time limit of one read when the spec sets none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "acquisition-read");
            t.setDaemon(true);
            return t;
          });

  private AcquisitionReads() {}

  /** A read of the acquisition that did not finish within its time limit. */
  public static final class ReadTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    ReadTimeoutException(String message) {
      super(message);
    }
  }

  /**
   * Runs {@code read} within {@code timeout}.
   *
   * @param what what is read, for the message ({@code reading /acq/001_S1R1/...bmp})
   * @throws ReadTimeoutException when it takes longer
   * @throws InterruptedException when the calling thread is interrupted meanwhile
   */
  public static <T> T within(Duration timeout, String what, Callable<T> read)
      throws IOException, InterruptedException {
    Future<T> f = READERS.submit(read);
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new ReadTimeoutException(
          what
              + " took longer than "
              + timeout.toSeconds()
              + " s: the acquisition's storage is not answering");
    } catch (InterruptedException e) {
      f.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException(c);
    }
  }

  /**
   * Why {@code file} cannot be read as a file (a FIFO, a device, a folder), or null when it is a
   * regular file (after symbolic links); looks at its attributes only, never opens it.
   *
   * @throws java.nio.file.NoSuchFileException when it does not exist
   */
  public static String notARegularFile(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    if (a.isRegularFile()) {
      return null;
    }
    return a.isDirectory()
        ? "a folder, not a file"
        : "not a regular file (a FIFO, socket or device); not read";
  }
}
