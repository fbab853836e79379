# libtrader images. Every stage is Debian bookworm, the distribution the project builds on, so the
# compilers, LLVM tools and libraries are the same versions as in CI (g++ 12, clang-format and
# clang-tidy 14, Boost 1.81) and only change with a Debian point release.
#
#   toolchain  build and lint packages (one cached layer, before any source is copied)
#   build      meson setup + compile of the library, tools, tests; installs into a staging tree
#   test       the build tree: `meson test` by default, `.ci/lint build` on request
#   runtime    bookworm-slim with the installed tools and the shared libraries they load
#   app        runtime's files as one layer, without apt's caches, documentation and locales;
#              user trader (UID 1000)
#
# Used through compose.yaml (`docker compose build`, `docker compose run --rm app trader-config`).
# Works with the classic builder as well as BuildKit: no RUN --mount, no heredocs.

# A digest may be appended for reproducible release builds:
#   docker compose build --build-arg BASE_IMAGE=debian:bookworm-slim@sha256:...
ARG BASE_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS toolchain
ARG DEBIAN_FRONTEND=noninteractive
# The packages of .ci/run. Only this layer downloads anything; a source change never reruns it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ meson ninja-build pkg-config python3 \
      libboost1.81-dev libboost-log1.81-dev libboost-program-options1.81-dev \
      libboost-json1.81-dev libboost-thread1.81-dev libboost-filesystem1.81-dev \
      libsoci-dev libsqlite3-dev libfmt-dev doctest-dev libssl-dev \
      clang-format clang-tidy sqlite3 openssl \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
# Builds and tests run as an ordinary user too: a test that expects "permission denied" would
# pass vacuously as root.
RUN groupadd --gid 1000 trader \
 && useradd --uid 1000 --gid 1000 --home-dir /src --no-create-home --shell /bin/bash trader \
 && install -d -o trader -g trader /src

# ---------------------------------------------------------------------------------------------
FROM toolchain AS build
WORKDIR /src
USER trader
# .dockerignore keeps .env*, data/, build directories and .git out of this copy.
COPY --chown=trader:trader . .
# nofallback: every dependency must come from the Debian packages above, never from a download.
# libdir=lib: /usr/local/lib is on the loader's path on every Debian architecture.
RUN meson setup build --prefix=/usr/local --libdir=lib --wrap-mode=nofallback \
 && meson compile -C build
# Everything `meson install` puts in place, minus what only compiling against libtrader needs.
RUN meson install -C build --no-rebuild --strip --destdir /src/runtime-root --quiet \
 && rm -rf /src/runtime-root/usr/local/include \
           /src/runtime-root/usr/local/lib/pkgconfig

# ---------------------------------------------------------------------------------------------
FROM build AS test
# No ENTRYPOINT: `docker compose --profile test run --rm test .ci/lint build` runs the lint.
CMD ["meson", "test", "-C", "build", "--print-errorlogs"]

# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# Runtime libraries of the installed tools and libtrader.so (no compiler, no headers), plus CA
# certificates for TLS to Alpaca. A library added later that is missing here fails the check
# below, at build time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libboost-filesystem1.81.0 libboost-json1.81.0 libboost-log1.81.0 \
      libboost-program-options1.81.0 libboost-thread1.81.0 \
      libfmt9 libsoci-core4.0 libsoci-sqlite3-4.0 libsqlite3-0 libssl3 \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
# UID/GID 1000: the first ordinary user on most Linux hosts, so what the tools write into the
# bind-mounted ./data belongs to that user on the host (see compose.yaml and CLAUDE.md).
RUN groupadd --gid 1000 trader \
 && useradd --uid 1000 --gid 1000 --home-dir /app --no-create-home --shell /usr/sbin/nologin trader \
 && install -d -o trader -g trader -m 0755 /app /app/data
COPY --from=build --chown=0:0 /src/runtime-root/usr/local/ /usr/local/
# Every installed tool must find all its libraries and start: fail the image build, not a
# user's run.
RUN ldconfig \
 && for tool in /usr/local/bin/*; do \
      missing=$(ldd "$tool" | grep 'not found' || true); \
      if [ -n "$missing" ]; then \
        echo "$tool needs libraries this stage lacks (add their Debian packages above):"; \
        echo "$missing"; exit 1; \
      fi; \
      "$tool" --help >/dev/null || { echo "$tool --help failed"; exit 1; }; \
      echo "ok: $tool"; \
    done
# What a container that only runs these tools never reads: package caches and lists, manuals,
# documentation, translations. (Some base images ship them; they are most of the base's size.)
RUN rm -rf /var/cache/apt/* /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/* \
           /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* \
           /usr/share/i18n/locales/* /usr/share/common-licenses/* \
 && install -d /var/cache/apt/archives/partial /var/lib/apt/lists/partial

# ---------------------------------------------------------------------------------------------
# The image users run: the runtime stage's files copied into a single layer, so the files
# removed above are really gone (in the runtime stage they would still sit in the base layer).
# Nothing executes in this stage: it is the bookworm-slim system of the runtime stage, as is.
FROM scratch AS app
COPY --from=runtime / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
WORKDIR /app
USER 1000:1000
# The trading runtime (paper unless ALGO_BROKER__PAPER=false and --live); compose.yaml sets the
# same default and its health check. Without keys it exits at once naming the missing variables.
EXPOSE 8000
CMD ["trader-run"]
