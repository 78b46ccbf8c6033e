# Build stage: the same -dev packages as scripts/install-deps.sh (without the
# test and PostgreSQL server packages), building only the hookgate binary.
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libboost1.81-dev libboost-url1.81-dev libpqxx-dev nlohmann-json3-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOOKGATE_BUILD_TESTS=OFF \
 && cmake --build build -j "$(nproc)" --target hookgate

# Runtime stage: only the shared libraries hookgate links against. Migrations
# are compiled into the binary, so nothing else is copied.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpqxx-6.4 libssl3 libboost-url1.81.0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hookgate \
 && useradd --system --uid 10001 --gid hookgate --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin hookgate
COPY --from=build /src/build/hookgate /usr/local/bin/hookgate
USER 10001:10001
ENV HOOKGATE_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["hookgate"]
CMD ["serve"]
