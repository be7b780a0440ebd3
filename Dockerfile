# syntax=docker/dockerfile:1
# potwise: one image for the web process (`potwise serve`) and the worker (`potwise worker`).
#
#   docker build -t potwise .
#   docker run -p 8000:8000 -v potwise-data:/data potwise            # web (+ scheduler), SQLite
#   docker run -v potwise-data:/data potwise potwise worker          # the worker, by command
#
# tests/deploy/test_image_recipe.py replays this file's `uv` steps, ENV, CMD and
# HEALTHCHECK outside a container: keep those steps plain `uv ...` commands.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the locked virtualenv, built once, copied whole into the runtime stage
FROM ${PYTHON_IMAGE} AS build

# uv pinned to the version that wrote uv.lock.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

# Compile bytecode now (the runtime filesystem may be read-only); copy files out of
# uv's cache rather than linking them; use the image's Python, never a download.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# Dependencies first, from the lock alone: this layer is reused until uv.lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then potwise itself, installed into the virtualenv (not editable: the venv is self-contained).
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable

# ---- runtime: the Python base, the virtualenv and a non-root user; no build tools
FROM ${PYTHON_IMAGE} AS runtime

# A fixed uid/gid, so volumes, Kubernetes' runAsUser and file ownership agree.
ARG POTWISE_UID=10001
ARG POTWISE_GID=10001
RUN groupadd --system --gid "${POTWISE_GID}" potwise \
    && useradd --system --uid "${POTWISE_UID}" --gid potwise --no-create-home \
        --home-dir /data --shell /usr/sbin/nologin potwise \
    && mkdir -p /data \
    && chown potwise:potwise /data

COPY --from=build /app/.venv /app/.venv

# /data is the data directory and the working directory: the default SQLite database
# (./.potwise/potwise.db) lands in the volume. POTWISE_DATABASE_URL is deliberately not
# set here, so a deployment's POTWISE_DATABASE_URL_FILE (PostgreSQL) is never shadowed.
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    POTWISE_DATA_DIR=/data
WORKDIR /data
VOLUME /data

# Numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER ${POTWISE_UID}:${POTWISE_GID}
EXPOSE 8000

# Ready = database reachable and migrations current. urllib raises on any non-2xx answer,
# so the exit status says it (slim images have no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/ready', timeout=4)"]

# Web app and scheduler in one process (migrates first). Several web replicas:
# `potwise serve --host 0.0.0.0 --no-scheduler`, plus one `potwise worker`.
CMD ["potwise", "serve", "--host", "0.0.0.0"]
