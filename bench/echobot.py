"""The yardstick of bench/telegram_throughput.py: a bare python-telegram-bot bot that quotes
each text message back, run as `faqbot run` is (long polling, the library's defaults).

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=... python bench/echobot.py
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text, do_quote=True)


def main() -> None:
    application = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
                   .base_url(os.environ["TELEGRAM_API_URL"]).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling()


if __name__ == "__main__":
    main()
