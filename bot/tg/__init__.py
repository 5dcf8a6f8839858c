"""The Telegram layer: python-telegram-bot in front of the core.

    app.py       build_application(): the Application, its handlers, menus, rate limiter
    handlers.py  one async function per kind of update
    replies.py   core replies as Telegram HTML, message splitting, keyboards
    throttle.py  group pacing figures and merging of repeated answers
    settings.py  TelegramSettings from the environment and `faqbot run` flags
    run.py       `faqbot run`: long polling or webhook

Named `tg` so it is never confused with the `telegram` library. Importing this package
does not import python-telegram-bot (the command line's other commands stay quick).
"""
