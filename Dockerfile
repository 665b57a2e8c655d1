# grillbot: slim Python, dependencies in their own layer, source copied last; runs as a non-root user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
RUN mkdir -p bot cogs && touch bot/__init__.py cogs/__init__.py \
    && pip install --no-cache-dir . && pip uninstall -y grillbot
COPY bot ./bot
COPY cogs ./cogs
COPY content ./content
RUN pip install --no-cache-dir --no-deps .
# The bot's user owns only /data (a new named volume copies this ownership); the code stays root's.
RUN groupadd --system --gid 10001 grillbot \
    && useradd --system --uid 10001 --gid grillbot --create-home --shell /usr/sbin/nologin grillbot \
    && mkdir -p /data && chown grillbot:grillbot /data
ENV GRILLBOT_DB=/data/grillbot.db GRILLBOT_CONTENT=/app/content
USER grillbot:grillbot
VOLUME ["/data"]
# Healthy: the database answers and the last gateway heartbeat is under 2 minutes old.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 CMD ["python", "-m", "bot", "health"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
