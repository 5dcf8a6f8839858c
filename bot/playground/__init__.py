"""`faqbot playground`: the bot without Telegram.

The local Bot API server (:mod:`bot.localapi`), the real bot connected to it, and a web
page on 127.0.0.1 where a person chats with the bot privately or as several people in a
group. :mod:`.server` wires them up; the page is ``index.html``, ``app.js`` and
``style.css`` here (plain files, no build step). Nothing is imported here, so
`faqbot ask` does not pay for aiohttp and python-telegram-bot.
"""
