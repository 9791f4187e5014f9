package org.connectome.ingest;

import java.time.LocalDateTime;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.JobParameters;
import org.springframework.batch.core.StepExecution;
import org.springframework.batch.core.launch.support.TaskExecutorJobLauncher;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JobRepositoryFactoryBean;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Spring Batch without Spring Boot: a job repository in the ingest store (its tables come with the
 * store's migrations) and a launcher that runs jobs on the calling thread.
 */
public final class IngestBatch {
  private final PlatformTransactionManager transactions;
  private final JobRepository repository;
  private final TaskExecutorJobLauncher launcher;

  /**
   * Job executions running in this JVM; any other one left STARTED belongs to a worker that died.
   */
  private final Set<Long> running = ConcurrentHashMap.newKeySet();

  public IngestBatch(IngestStore store) {
    DataSource dataSource = store.dataSource();
    this.transactions = new JdbcTransactionManager(dataSource);
    try {
      JobRepositoryFactoryBean f = new JobRepositoryFactoryBean();
      f.setDataSource(dataSource);
      f.setTransactionManager(transactions);
      // serializable job creation makes concurrent sections on PostgreSQL fail each other; the job
      // key's unique
      // constraint already prevents duplicate instances
      f.setIsolationLevelForCreate("ISOLATION_READ_COMMITTED");
      f.afterPropertiesSet();
      repository = f.getObject();
      launcher = new TaskExecutorJobLauncher();
      launcher.setJobRepository(repository);
      launcher.setTaskExecutor(new SyncTaskExecutor());
      launcher.afterPropertiesSet();
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot set up the Spring Batch job repository: " + e.getMessage(), e);
    }
  }

  public PlatformTransactionManager transactions() {
    return transactions;
  }

  public JobRepository repository() {
    return repository;
  }

  /**
   * Runs {@code job} to its end on this thread. A previous execution of the same job instance that
   * is still marked running but is not running in this JVM was left by a worker that died: it is
   * marked failed first, so that this launch restarts it from its last committed chunk.
   */
  public JobExecution run(Job job, JobParameters params) throws Exception {
    JobExecution last = repository.getLastJobExecution(job.getName(), params);
    if (last != null && last.isRunning() && !running.contains(last.getId())) {
      abandon(last);
    }
    JobExecution[] current = new JobExecution[1];
    try {
      current[0] = launcher.run(job, params);
      return current[0];
    } finally {
      if (current[0] != null) {
        running.remove(current[0].getId());
      }
    }
  }

  /** Marks this JVM's executions as running (called by the job's first listener). */
  void started(JobExecution e) {
    running.add(e.getId());
  }

  private void abandon(JobExecution e) {
    LocalDateTime now = LocalDateTime.now();
    for (StepExecution s : e.getStepExecutions()) {
      if (s.getStatus().isRunning()) {
        s.setStatus(BatchStatus.FAILED);
        s.setExitStatus(ExitStatus.FAILED.addExitDescription("the worker running it went away"));
        s.setEndTime(now);
        repository.update(s);
      }
    }
    e.setStatus(BatchStatus.FAILED);
    e.setExitStatus(ExitStatus.FAILED.addExitDescription("the worker running it went away"));
    e.setEndTime(now);
    repository.update(e);
  }
}
