# cdp-spark-provisioner: multi-stage build, small runtime image.
#
#   docker build -t cdp-spark-provisioner .
#   docker run -p 127.0.0.1:8093:8093 cdp-spark-provisioner            # embedded SQLite
#   docker compose up                                                   # with MariaDB
#   helm install spark-provisioner helm                                 # Kubernetes: helm/README.md
#
# Docker cannot run on the development machines of this project: this file
# is kept correct by reading (see README, "Local stack").

# ---- build -------------------------------------------------------------
# Bases pinned to exact versions: the Rust of rust-toolchain.toml (the
# file itself is not copied: rustup would fetch its clippy and rustfmt),
# Debian 12.12. For reproducible builds pin their digests too (`FROM image:tag@sha256:…`,
# from your registry); they cannot be resolved on the development machines.
FROM rust:1.95.0-bookworm AS chef
# Diesel's MySQL backend links the MariaDB client library, its PostgreSQL
# backend libpq.
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libmariadb-dev-compat libpq-dev \
 && rm -rf /var/lib/apt/lists/*
# cargo-chef: the dependencies build in a layer of their own, rebuilt only
# when Cargo.toml or Cargo.lock change, not on every source change.
RUN cargo install cargo-chef --version 0.1.78 --locked
WORKDIR /src

FROM chef AS planner
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
# A workspace member (the repository's checks, `cargo xtask tidy`): cargo reads it.
COPY xtask ./xtask
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p cdp-spark-provisioner --recipe-path recipe.json
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY xtask ./xtask
RUN cargo build --release --locked -p cdp-spark-provisioner \
 && cp target/release/cdp-spark-provisioner /usr/local/bin/cdp-spark-provisioner \
 && strip /usr/local/bin/cdp-spark-provisioner

# ---- runtime -----------------------------------------------------------
FROM debian:12.12-slim
# WITH_SPARK=1 adds Java 17 and Spark 4 (pyspark from PyPI) for local-mode
# runs (docker-compose.yml does); without it the image stays small and
# expects YARN or a standalone master with spark-submit reachable.
ARG WITH_SPARK=0
ARG SPARK_VERSION=4.0.1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 libpq5 ca-certificates curl \
 && if [ "$WITH_SPARK" = 1 ]; then \
      apt-get install -y --no-install-recommends openjdk-17-jre-headless python3-pip procps \
      && pip3 install --no-cache-dir --break-system-packages --no-deps "pyspark==${SPARK_VERSION}" \
      && chmod +x /usr/local/lib/python3.11/dist-packages/pyspark/bin/*; \
    fi \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 provisioner \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/cdp-spark-provisioner --create-home provisioner
# Where pip puts Spark when WITH_SPARK=1 (the launcher's default SPARK_HOME).
ENV SPARK_HOME=/usr/local/lib/python3.11/dist-packages/pyspark
COPY --from=build /usr/local/bin/cdp-spark-provisioner /usr/local/bin/cdp-spark-provisioner
COPY config /etc/cdp-spark-provisioner
# Numeric, so that Kubernetes' runAsNonRoot can verify it without a runAsUser.
USER 10001:10001
WORKDIR /var/lib/cdp-spark-provisioner
# Inside a container the server must listen on every interface; the SQLite
# store (when no store.url is given) lives in the working directory's data/.
ENV CDP_SPARK_PROVISIONER__SERVER__BIND=0.0.0.0:8093 \
    CDP_SPARK_PROVISIONER__LOG__FORMAT=json
EXPOSE 8093
# The only places written at run time, so the root filesystem can be
# read-only (docker run --read-only; the Helm chart mounts both): the data
# folder (the SQLite job store, the user's home for spark-submit and Ivy)
# and /tmp (spark-submit's and the JVM's temporary files).
ENV TMPDIR=/tmp
VOLUME ["/var/lib/cdp-spark-provisioner", "/tmp"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:8093/health || exit 1
# SIGTERM (docker stop) lets in-flight requests finish.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cdp-spark-provisioner"]
CMD ["serve"]
