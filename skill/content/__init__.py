"""The content catalogues: every word the skill speaks, as data, one file per language.

Handlers ask for text by key; nothing spoken is written in Python. A locale such as
``en-GB`` reads ``en-GB.json`` over ``en.json``, so a regional file only holds the lines
whose spelling or wording differs. Catalogues are loaded once per process: re-reading
JSON on every request would cost more than the rest of an explain answer.

This module sits on every request's path, so it avoids two stdlib imports that a Lambda cold
start would pay for nothing: `xml.sax.saxutils` (which pulls in urllib.request, http.client,
ssl and email) for a four-character escape, and `importlib.resources` (tempfile, shutil, bz2,
lzma) for reading a file next to this one, which the package loader already does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

DEFAULT_LANGUAGE = "en"
DEFAULT_LOCALE = "en-US"
_LOCALE_SHAPE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")


#: Written between two sentences in a catalogue line, a short spoken pause (an SSML break).
PAUSE = "||"
_PAUSE_SSML = '<break time="400ms"/>'
Chooser = Callable[[str, int], int]


def first_variant(_key: str, _count: int) -> int:
    """The default choice: the first variant (plain-text uses, tests that name a line)."""
    return 0


class Catalogue:
    """Text for one locale, as plain text; `to_ssml` escapes it on the way out.

    A line may have several variants (a JSON list): lines people hear often should not sound
    recorded. `choose(key, count)` picks which; a `Turn` binds a chooser that picks at random
    and never repeats the last variant of a conversation (`with_chooser`).
    """

    def __init__(self, locale: str, entries: dict[str, tuple[str, ...]],
                 choose: Chooser = first_variant) -> None:
        self.locale = locale
        self._entries = entries
        self.choose = choose

    def with_chooser(self, choose: Chooser) -> Catalogue:
        """The same lines, with variants picked by `choose` (one request's voice)."""
        return Catalogue(self.locale, self._entries, choose)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def variants(self, key: str) -> tuple[str, ...]:
        """Every phrasing of `key`, as written (placeholders unfilled)."""
        return self._entries[key]

    def text(self, key: str, **params: object) -> str:
        """The plain text for `key` (one of its variants), with placeholders filled in."""
        variants = self._entries[key]
        template = variants[self.choose(key, len(variants)) if len(variants) > 1 else 0]
        return template.format(**params) if params else template

    def join(self, *keys_or_text: str | None, **params: object) -> str:
        """Several lines as one plain-text reply; `None` entries are skipped.

        Items that are keys are looked up; anything else is taken as finished text, so a
        caller can pass the result of `count` or another `text` call.
        """
        parts = []
        for item in keys_or_text:
            if not item:
                continue
            parts.append(self.text(item, **params) if item in self._entries else item)
        return " ".join(parts)

    def count(self, unit: str, n: int) -> str:
        """`3 minutes`, `1 session`: English plural rules are enough for every locale we ship."""
        form = "one" if n == 1 else "other"
        return self.text(f"units.{unit}.{form}", n=n)

    def clock_time(self, hour: int, minute: int) -> str:
        """A time of day as this language says it: "7 pm", "7:30 am", "noon" where the
        catalogue's `reminders.time.clock` is 12, "19 Uhr", "19:30 Uhr" where it is 24.

        The clock is the language's data, like its words, so no step that speaks a time knows
        which language it speaks.
        """
        if minute == 0 and hour in (0, 12):
            return self.text("reminders.time.noon" if hour else "reminders.time.midnight")
        if self.text("reminders.time.clock") == "24":
            shown, period = hour, ""
        else:
            shown = hour % 12 or 12
            period = self.text("reminders.time.pm" if hour >= 12 else "reminders.time.am")
        # One o'clock has a form of its own where a language says it apart ("a la una",
        # "all'una" beside "a las siete", "alle sette").
        one = ".one" if shown == 1 else ""
        if minute == 0:
            return self.text(f"reminders.time.oclock{one}", hour=shown, period=period)
        return self.text(f"reminders.time.minutes{one}", hour=shown, minute=f"{minute:02d}",
                         period=period)

    def duration(self, seconds: int) -> str:
        """Spoken remaining time: whole minutes, with seconds only under five minutes."""
        seconds = max(0, int(seconds))
        minutes, rest = divmod(seconds, 60)
        if minutes == 0:
            return self.count("second", rest)
        if minutes >= 5 or rest == 0:
            return self.count("minute", minutes + (1 if rest >= 30 and minutes >= 5 else 0))
        return self.text(
            "units.minutes_and_seconds",
            minutes=self.count("minute", minutes),
            seconds=self.count("second", rest),
        )


def plain(text: str) -> str:
    """A line without its pause marks, for places that take plain text (timer announcements)."""
    return " ".join(text.replace(PAUSE, " ").split())


def to_ssml(text: str) -> str:
    """Escape plain text so it is always valid inside `<speak>`; ask-sdk adds the tags.

    The only markup a line can carry is the pause mark, which becomes a short break.
    """
    # The same replacements, in the same order, as xml.sax.saxutils.escape(text, {'"': ...}).
    escaped = (
        text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
        .replace('"', "&quot;")
    )
    if PAUSE not in escaped:
        return escaped
    return _PAUSE_SSML.join(part.strip() for part in escaped.split(PAUSE))


@cache
def _load(name: str) -> dict[str, tuple[str, ...]]:
    """One catalogue file as a dict of variants; missing regional files simply add nothing."""
    try:
        # The loader reads files next to the module (or inside a zip, for a zipimport).
        raw = __spec__.loader.get_data(os.path.join(os.path.dirname(__file__), f"{name}.json"))
    except FileNotFoundError:
        return {}
    data = json.loads(raw.decode("utf-8"))
    return {
        k: tuple(v) if isinstance(v, list) else (v,)
        for k, v in data.items() if not k.startswith("_")
    }


def catalogue_for(locale: object) -> Catalogue:
    """The catalogue for an Alexa locale (`en-GB`), falling back to the language, then English.

    Anything that is not shaped like a locale is answered in the default locale, so a strange
    value in a request can neither pick a file nor grow the cache.
    """
    if not isinstance(locale, str) or not _LOCALE_SHAPE.fullmatch(locale):
        locale = DEFAULT_LOCALE
    return _catalogue(locale)


@lru_cache(maxsize=64)
def _catalogue(locale: str) -> Catalogue:
    language = locale.split("-", 1)[0].lower()
    if not _load(language):
        language = DEFAULT_LANGUAGE
    entries = dict(_load(language))
    if locale.split("-", 1)[0].lower() == language:
        entries.update(_load(locale))
    return Catalogue(locale, entries)
