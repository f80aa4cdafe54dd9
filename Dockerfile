# repl-sentinel built from this repository (docker-compose.yml builds it). The tests need real
# servers and root for apt (see README), so the image build skips them: run them with ./mvnw verify.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
COPY docs docs
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/quarkus-app/ /app/
EXPOSE 8480
USER 1001
ENTRYPOINT ["java", "-jar", "/app/quarkus-run.jar"]
