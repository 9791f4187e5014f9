# The task image: what every pod of a shard's Indexed Job runs, the same entry point as a local child process
# (org.connectome.tasks.TaskMain, configured by CX_STEP_DIR, CX_TASKS, JOB_COMPLETION_INDEX, CX_TASK_ATTEMPT).
# The Kubernetes executor starts it through a /bin/sh wrapper (it computes the attempt) with the command
#   java ... -cp /opt/connectome/lib/* org.connectome.tasks.TaskMain
# so the jars must stay in /opt/connectome/lib and the image must keep /bin/sh.
# Build from the repository root:
#   docker build -f docker/task.Dockerfile -t registry.example.org/connectome/task:0.1.0 .
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests -pl tasks -am install \
 && mvn -B -ntp -pl tasks dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp tasks/target/connectome-tasks-*.jar /out/lib/ \
 && rm -f /out/lib/*-sources.jar /out/lib/*-javadoc.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 connectome \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin connectome
COPY --from=build /out/lib/ /opt/connectome/lib/
USER 10001:10001
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Xshare:auto", "-cp", "/opt/connectome/lib/*", "org.connectome.tasks.TaskMain"]
