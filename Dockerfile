# grillbot: slim Python, dependencies in their own layer, source copied last.
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
ENV GRILLBOT_DB=/data/grillbot.db GRILLBOT_CONTENT=/app/content
VOLUME ["/data"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
