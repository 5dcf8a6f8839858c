"""The handlers, one module per kind of update; app.add_handlers registers them all in one block.

    questions.py  private messages, group messages addressed to the bot, /ask
    commands.py   /start, /help, /topics, /facts, /source, /lang, /autoanswer, unknown commands
    buttons.py    inline keyboard presses (what they carry: callbacks.py)
    inline.py     inline mode (@bot QUESTION in any chat)
    errors.py     the one error handler
    admin.py      the operators' /reload and /unanswered, notices to admins, background work
    learning.py   admins teaching the bot: suggestion buttons, /undo, /stats
"""
