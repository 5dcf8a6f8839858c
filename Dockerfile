# The Telegram bot with the bundled knowledge base.
#   docker build -t faqbot .
#   docker run -e TELEGRAM_BOT_TOKEN=... -v faqbot-data:/data faqbot
# The token comes only from the environment; nothing secret is baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 faqbot \
    && useradd --system --uid 10001 --gid faqbot --home-dir /app --shell /usr/sbin/nologin faqbot \
    && mkdir -p /app /data \
    && chown faqbot:faqbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-cache-dir .

# The package carries the knowledge base (bot/bundled_knowledge). To serve an edited one,
# mount it and set FAQBOT_KNOWLEDGE (e.g. -v "$PWD/fair:/fair:ro" -e FAQBOT_KNOWLEDGE=/fair);
# the bot reloads it when it changes. State (unanswered questions, user settings) lives in /data.
ENV FAQBOT_DB=/data/faqbot.sqlite3 \
    FAQBOT_STATE_FILE=/data/state.pickle
VOLUME ["/data"]
USER 10001:10001
# Only used in webhook mode (FAQBOT_WEBHOOK_URL); long polling needs no open port.
EXPOSE 8443
CMD ["faqbot", "run"]
