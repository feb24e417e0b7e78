# cdp-spark-provisioner: multi-stage build, small runtime image.
#
#   docker build -t cdp-spark-provisioner .
#   docker run -p 127.0.0.1:8093:8093 cdp-spark-provisioner            # embedded SQLite
#   docker compose up                                                   # with MariaDB
#
# Docker cannot run on the development machines of this project: this file
# is kept correct by reading (see README, "Local stack").

# ---- build -------------------------------------------------------------
FROM rust:1-bookworm AS build
# Diesel's MySQL backend links the MariaDB client library.
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libmariadb-dev-compat \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
RUN cargo build --release --locked -p cdp-spark-provisioner \
 && cp target/release/cdp-spark-provisioner /usr/local/bin/cdp-spark-provisioner \
 && strip /usr/local/bin/cdp-spark-provisioner

# ---- runtime -----------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/cdp-spark-provisioner --create-home provisioner
COPY --from=build /usr/local/bin/cdp-spark-provisioner /usr/local/bin/cdp-spark-provisioner
COPY config /etc/cdp-spark-provisioner
USER provisioner
WORKDIR /var/lib/cdp-spark-provisioner
# Inside a container the server must listen on every interface; the SQLite
# store (when no store.url is given) lives in the working directory's data/.
ENV CDP_SPARK_PROVISIONER__SERVER__BIND=0.0.0.0:8093 \
    CDP_SPARK_PROVISIONER__LOG__FORMAT=json
EXPOSE 8093
VOLUME ["/var/lib/cdp-spark-provisioner"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:8093/health || exit 1
# SIGTERM (docker stop) lets in-flight requests finish.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cdp-spark-provisioner"]
CMD ["serve"]
