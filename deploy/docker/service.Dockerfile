# One image recipe for every service (their builds differ only in the module name and port):
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=gateway-service --build-arg PORT=8080 .
# Build stage: the reactor, limited to the service and the modules it needs. Runtime stage: a JRE, the jar's
# layers (dependencies change rarely, the application often, so rebuilds reuse the lower layers), a non-root user.

FROM eclipse-temurin:25-jdk AS build
ARG SERVICE
# gcc and make build moe-engine's native library, which inference-service packs.
RUN apt-get update && apt-get install -y --no-install-recommends gcc make libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -pl "${SERVICE}" -am -DskipTests package \
 && java -Djarmode=tools -jar "${SERVICE}/target/${SERVICE}.jar" extract --layers --launcher --destination /layers

FROM eclipse-temurin:25-jre
ARG PORT=8080
RUN groupadd --system --gid 10001 platform && useradd --system --uid 10001 --gid platform --no-create-home platform
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001:10001
EXPOSE ${PORT}
# The heap's share of the container's memory, in JAVA_TOOL_OPTIONS so that a deployment can set its own (the Helm
# chart does, per service): an option on the command line below would override it.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
# --enable-native-access: inference-service runs the native MoE engine through JNI (harmless for the others).
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "org.springframework.boot.loader.launch.JarLauncher"]
