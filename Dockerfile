# syntax=docker/dockerfile:1

# Stages: `build` makes wheels (and has the compilers), `base` is the slim runtime that
# installs only those wheels, `dev` adds the auto-reloader for docker-compose.yml, and
# `runtime` (the last stage, so the default target) is the published image.

FROM python:3.13-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# Compilers only in this stage: every dependency ships wheels for amd64 and arm64 today,
# but a release without one for a platform then still builds instead of failing.
# Versions are not pinned: Debian replaces them with security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Every version comes from the lock (requirements/, hashed): the build tools into a venv of
# this stage, then a wheel of each locked dependency, in a layer that survives code changes.
COPY requirements/build.txt requirements/serve-reload.txt ./requirements/
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes -r requirements/build.txt \
    && /opt/build/bin/pip wheel --require-hashes --wheel-dir /wheels -r requirements/serve-reload.txt
# Exactly what the wheel is built from (tests/test_wheel.py builds it the same way).
COPY pyproject.toml README.md ./
COPY crm ./crm
COPY sql ./sql
COPY migrations ./migrations
COPY openapi.yaml ./
# The service's own wheel, built by the locked setuptools (no isolated build fetching another).
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.13-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH \
    ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    CRM_DATA_DIR=/data
# A fixed numeric id, so `runAsNonRoot` checks and volume ownership are predictable.
RUN groupadd --system --gid 10001 crm \
    && useradd --system --uid 10001 --gid crm --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin crm \
    && mkdir /data \
    && chown crm:crm /data
# The wheels come in through a bind mount, so they never become a layer of this image.
# Versions are fixed by that wheelhouse (the lock's, checked against its hashes when they were
# fetched): with --no-index pip can install nothing else.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && pip install --no-index --find-links /wheels repair-crm
WORKDIR /app
EXPOSE 8000
# Ready means the database answers; python's urllib needs nothing beyond the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/readyz', timeout=3)"]

FROM base AS dev
# watchfiles restarts `crm serve` when mounted code changes (docker-compose.yml).
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels "repair-crm[reload]"
USER 10001:10001
CMD ["crm", "serve", "--host", "0.0.0.0"]

FROM base AS runtime
USER 10001:10001
CMD ["crm", "serve", "--host", "0.0.0.0"]
