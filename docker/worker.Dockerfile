# The worker image: `connectome worker` (Temporal workers, the Kubernetes executor, /metrics on 9464).
# Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t registry.example.org/connectome/worker:0.1.0 .
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests -pl cli -am package \
 && mkdir -p /out/lib \
 && cp cli/target/lib/*.jar /out/lib/ \
 && cp cli/target/connectome-cli-*.jar /out/lib/ \
 && rm -f /out/lib/*-sources.jar /out/lib/*-javadoc.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 connectome \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin connectome
COPY --from=build /out/lib/ /opt/connectome/lib/
RUN printf '#!/bin/sh\nexec java ${CX_JAVA_OPTS:-} -cp "/opt/connectome/lib/*" org.connectome.cli.Main "$@"\n' \
      > /usr/local/bin/connectome \
 && chmod 0755 /usr/local/bin/connectome
ENV CX_HOME=/tmp/connectome
USER 10001:10001
EXPOSE 9464
ENTRYPOINT ["connectome", "worker"]
