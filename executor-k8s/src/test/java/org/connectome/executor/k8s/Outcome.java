package org.connectome.executor.k8s;

/** What the controller double makes of one pod (one attempt of one index). */
record Outcome(Kind kind, int exitCode, long millis) {
  enum Kind {
    /** exits with {@link #exitCode} after {@link #millis} */
    EXIT,
    /** killed by the kernel for its memory limit: exit 137, reason OOMKilled */
    OOM,
    /** evicted: DisruptionTarget condition, exit 137, pod reason Evicted */
    EVICT,
    /** image cannot be pulled: waits with ImagePullBackOff forever */
    IMAGE_PULL,
    /** missing Secret or ConfigMap: waits with CreateContainerConfigError forever */
    CONFIG_ERROR,
    /** runs the pod's command as a local process with the pod's environment */
    RUN,
    /** runs until deleted */
    HANG
  }

  static Outcome ok() {
    return new Outcome(Kind.EXIT, 0, 50);
  }

  static Outcome exit(int code) {
    return new Outcome(Kind.EXIT, code, 50);
  }

  static Outcome oom() {
    return new Outcome(Kind.OOM, 137, 50);
  }

  static Outcome evict() {
    return new Outcome(Kind.EVICT, 137, 50);
  }

  static Outcome imagePull() {
    return new Outcome(Kind.IMAGE_PULL, -1, 0);
  }

  static Outcome configError() {
    return new Outcome(Kind.CONFIG_ERROR, -1, 0);
  }

  static Outcome run() {
    return new Outcome(Kind.RUN, -1, 0);
  }

  static Outcome hang() {
    return new Outcome(Kind.HANG, -1, 0);
  }

  Outcome after(long ms) {
    return new Outcome(kind, exitCode, ms);
  }
}
