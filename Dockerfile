# One image for every gongq service (worker, webhooks, flower, sandbox); docker-compose.yml picks
# the command. Runtime dependencies only (`pip install .`, no dev extras), run as a non-root user.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Build from a scratch directory that is deleted afterwards: the image holds the installed
# package, not a second copy of the sources.
COPY pyproject.toml README.md /src/
COPY worker /src/worker
COPY producer /src/producer
COPY sandbox /src/sandbox
RUN pip install /src && rm -rf /src

# Non-root user; /app/.gongq holds Flower's state (GONGQ_FLOWER_DB defaults to .gongq/flower.db)
# and is owned by that user so a named volume mounted there is writable.
RUN useradd --create-home --uid 10001 --user-group gongq \
    && mkdir -p /app/.gongq \
    && chown gongq:gongq /app/.gongq
WORKDIR /app
USER gongq

CMD ["gongq", "--help"]
