"""The Telegram layer: python-telegram-bot in front of the core.

    app.py       build_application(): the Application, Defaults, its handlers in one block, menus
    handlers/    one async function per kind of update, a module per kind (see handlers/__init__.py)
    context.py   FaqContext: typed access to bot_data, user_data and chat_data; the answer language
    callbacks.py the buttons' callback data: written, matched and read back
    sending.py   Bot API calls with retries, answers over several messages, edits in place
    replies.py   core replies as Telegram HTML, message splitting, keyboards
    throttle.py  group pacing figures and merging of repeated answers
    pacing.py    the rate limiter: Telegram's overall sliding window and group limits
    settings.py  TelegramSettings from the environment and `faqbot run` flags
    run.py       `faqbot run`: long polling or webhook

Named `tg` so it is never confused with the `telegram` library. Importing this package
does not import python-telegram-bot (the command line's other commands stay quick).
"""
