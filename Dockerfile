# leakguard in a container, built from this source with the lock file.
#
#   docker build -t leakguard .
#   docker run --rm -v "$PWD:/work" leakguard scan .
#   docker run --rm -v "$PWD:/work" leakguard scan --range origin/main..HEAD --format sarif > leakguard.sarif
#
# Stage 1 builds with the `dist` profile (thin LTO, one codegen unit, stripped); stage 2
# is a slim runtime with git and ssh-keygen (approvals interoperate with it), running as
# an unprivileged user.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY policies ./policies
COPY hooks ./hooks
RUN cargo build --locked --profile dist --bin leakguard \
 && install -m 0755 target/dist/leakguard /usr/local/bin/leakguard \
 && leakguard --version

FROM debian:bookworm-slim
# git and libgit2 refuse a repository owned by another uid (a mounted volume) unless it
# is a safe.directory.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin leakguard \
 && git config --system --add safe.directory '*'
COPY --from=build /usr/local/bin/leakguard /usr/local/bin/leakguard
USER leakguard:leakguard
WORKDIR /work
ENTRYPOINT ["leakguard"]
CMD ["scan", "."]
