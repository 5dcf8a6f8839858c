"""The state file (user languages, group settings): written atomically, and a damaged one
never stops the bot.

python-telegram-bot's PicklePersistence writes the file in place, so a crash in the middle
of a write leaves it truncated, and a truncated or otherwise unreadable file then stops the
bot from starting. Here a write goes to a temporary file in the same directory, is flushed
to disk, and renamed over the old one: the file is always either the old state or the new.
A file that cannot be read is moved aside (`STATE.damaged-YYYYmmddTHHMMSS`) with a warning,
and the bot starts with empty state.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import time
from pathlib import Path

from telegram.ext import PicklePersistence
from telegram.ext._picklepersistence import _BotPickler  # the pickler PicklePersistence itself uses

log = logging.getLogger(__name__)


def write_atomically(path: Path, write) -> None:
    """Call `write(file)` on a temporary file next to `path`, then rename it over `path`."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with _quietly():
            os.unlink(temporary)
        raise
    with _quietly():  # the rename itself survives a power cut once the directory is synced
        directory = os.open(path.parent or ".", os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class _quietly:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is not None and issubclass(kind, OSError)


def move_aside(path: Path) -> Path:
    target = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    os.replace(path, target)
    return target


class SafePicklePersistence(PicklePersistence):
    """PicklePersistence with atomic writes and a damaged file moved aside."""

    def _dump_singlefile(self) -> None:
        data = {"conversations": self.conversations, "user_data": self.user_data, "chat_data": self.chat_data,
                "bot_data": self.bot_data, "callback_data": self.callback_data}
        self._dump_file(self.filepath, data)

    def _dump_file(self, filepath: Path, data: object) -> None:
        write_atomically(filepath, lambda file: _BotPickler(self.bot, file, protocol=pickle.HIGHEST_PROTOCOL)
                         .dump(data))

    def _load_singlefile(self) -> None:
        try:
            super()._load_singlefile()
            if not all(isinstance(part, dict) for part in (self.user_data, self.chat_data, self.conversations)):
                raise TypeError("the state file does not hold the expected tables")
        except TypeError as error:
            self._damaged(self.filepath, error)
            self.conversations, self.user_data, self.chat_data = {}, {}, {}
            self.bot_data, self.callback_data = self.context_types.bot_data(), None

    def _load_file(self, filepath: Path):
        try:
            return super()._load_file(filepath)
        except TypeError as error:
            self._damaged(filepath, error)
            return None

    @staticmethod
    def _damaged(path: Path, error: Exception) -> None:
        try:
            aside = move_aside(Path(path))
        except OSError as move_error:
            log.warning("the state file %s is damaged (%s) and could not be moved aside (%s); starting with "
                        "empty state, and it will be overwritten", path, error, move_error.strerror)
            return
        log.warning("the state file %s is damaged (%s); moved it to %s and starting with empty state "
                    "(user languages and group settings are forgotten)", path, error, aside.name)
