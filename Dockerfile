# shopd in a slim image. The build stage installs exactly what scripts/install-deps.sh installs
# for a developer, so the image and the README's commands cannot drift apart.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
COPY package.json package-lock.json ./
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake --preset release -DSHOPD_BUILD_TESTS=OFF \
 && cmake --build --preset release --target shopd \
 && strip build/release/shopd

FROM debian:bookworm-slim
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libboost-json1.81.0 libboost-url1.81.0 libfmt9 libspdlog1.10 libsqlite3-0 libssl3 \
      librdkafka++1 libtomlplusplus3 libjemalloc2 libjwt0 curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/shopd --create-home shopd \
 && install -d -o shopd -g shopd /var/lib/shopd/data
COPY --from=build /src/build/release/shopd /usr/local/bin/shopd
COPY config/shopd.toml /etc/shopd/shopd.toml
# Reachable from outside the container: the first start makes an admin key and prints it once
# on stderr (docker logs). A flag or another SHOPD_SERVER_LISTEN overrides the address.
ENV SHOPD_SERVER_LISTEN=0.0.0.0:8080
USER shopd
WORKDIR /var/lib/shopd
VOLUME /var/lib/shopd/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/shopd", "--config", "/etc/shopd/shopd.toml"]
