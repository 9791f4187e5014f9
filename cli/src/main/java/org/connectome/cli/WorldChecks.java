package org.connectome.cli;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.connectome.acquisition.SectionFolder;
import org.connectome.acquisition.WatchSettings;
import org.connectome.spec.RunSpec;
import org.connectome.spec.SpecCheck;
import org.connectome.spec.SpecErrors;

/**
 * What {@code validate} and {@code run} check of the world before anything starts: the acquisition
 * is a folder with sections in it (read with a time limit: a hung network file system fails here,
 * not in a stalled run), {@code volume.sections} agrees with the sections found (a warning: the run
 * plans what it finds), and the data root can be created and written on a file system that keeps
 * files (not {@code /proc}, not below a regular file).
 */
final class WorldChecks implements SpecCheck {
  /** Longest a look at the acquisition or the data root may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  /** File systems that hold no files of their own: a data root there can never be written. */
  private static final Set<String> PSEUDO =
      Set.of(
          "proc",
          "sysfs",
          "devtmpfs",
          "devpts",
          "cgroup",
          "cgroup2",
          "debugfs",
          "tracefs",
          "securityfs",
          "pstore",
          "bpf",
          "configfs",
          "fusectl",
          "mqueue",
          "binfmt_misc",
          "autofs");

  private static final ExecutorService LOOKS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "world-checks");
            t.setDaemon(true);
            return t;
          });

  private final Duration timeout;

  WorldChecks(Duration timeout) {
    this.timeout = timeout;
  }

  WorldChecks() {
    this(TIMEOUT);
  }

  @Override
  public void check(RunSpec spec, SpecErrors errors) {
    checkAcquisition(spec, errors);
    checkDataRoot(spec, errors);
  }

  private void checkAcquisition(RunSpec spec, SpecErrors errors) {
    boolean read =
        spec.stages().stream()
            .anyMatch(
                st ->
                    (st.stage().equals("ingest") || st.stage().equals("stitch"))
                        && !"synthetic".equals(st.implementation()));
    if (spec.acquisition() == null || !read) {
      return;
    }
    boolean watching =
        spec.stages().stream()
            .anyMatch(st -> st.stage().equals("ingest") && WatchSettings.of(st.params()).enabled());
    Path acq = Path.of(spec.acquisition());
    List<SectionFolder> sections;
    try {
      sections =
          within(
              "look at the acquisition " + acq,
              () -> {
                if (!Files.exists(acq)) {
                  return null;
                }
                if (!Files.isDirectory(acq)) {
                  throw new IOException(acq + " is not a folder");
                }
                return SectionFolder.list(acq);
              });
    } catch (IOException e) {
      errors.add("acquisition", e.getMessage());
      return;
    }
    if (sections == null) {
      if (!watching) {
        errors.add("acquisition", "no such folder: " + acq);
      }
      return;
    }
    if (watching) {
      return; // the microscope is still writing it
    }
    if (sections.isEmpty()) {
      errors.add(
          "acquisition",
          acq + " holds no section folders (<NNN>_S<section>R<n>, for example 001_S1R1)");
      return;
    }
    Long declared = spec.volume() == null ? null : spec.volume().sections();
    if (declared != null && declared != sections.size()) {
      errors.warn(
          "volume.sections",
          "is "
              + declared
              + " but the acquisition holds "
              + sections.size()
              + " section folders; the run plans the "
              + sections.size()
              + " it finds");
    }
  }

  private void checkDataRoot(RunSpec spec, SpecErrors errors) {
    if (spec.dataRoot() == null) {
      return;
    }
    Path root = Path.of(spec.dataRoot());
    try {
      String problem =
          within(
              "look at the data root " + root,
              () -> {
                Path p = root;
                while (p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                  p = p.getParent();
                }
                if (p == null) {
                  return "no part of " + root + " exists";
                }
                if (!Files.isDirectory(p)) {
                  return p.equals(root)
                      ? root + " is a file, not a folder"
                      : "cannot create " + root + ": " + p + " is a file, not a folder";
                }
                FileStore store = Files.getFileStore(p);
                if (PSEUDO.contains(store.type())) {
                  return root
                      + " is on a "
                      + store.type()
                      + " file system, which keeps no files; choose a folder on a disk";
                }
                if (!Files.isWritable(p)) {
                  return p.equals(root)
                      ? root + " is not writable"
                      : "cannot create " + root + ": " + p + " is not writable";
                }
                return null;
              });
      if (problem != null) {
        errors.add("dataRoot", problem);
      }
    } catch (IOException e) {
      errors.add("dataRoot", e.getMessage());
    }
  }

  /** Runs {@code look}; an I/O error or the time limit becomes an {@link IOException}. */
  private <T> T within(String what, Callable<T> look) throws IOException {
    Future<T> f = LOOKS.submit(look);
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new IOException(
          "could not "
              + what
              + " within "
              + timeout.toSeconds()
              + " s (a hung network file system?)");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while trying to " + what);
    }
  }
}
