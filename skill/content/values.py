"""The words each locale's model knows for its custom slot values, to read an unresolved slot.

Alexa sends a custom slot's words even when entity resolution matched none of its values
("is it okay with my pregnancy and a cold" may arrive as ER_SUCCESS_NO_MATCH). Those words
often still hold a value's name or synonym; answering them with the menu of topics would tell
a pregnant user that the skill knows nothing of pregnancy. `SlotValues.find` looks for the
longest known name inside the words, trying slot types in the order the caller gives, so a
handler can put safety first.

The files (`values/<locale>.json`: type -> id -> names) are written by `mat-coach
build-models` from the same source as the interaction models, and a test keeps them current.
They are read only when a slot is unresolved, never on a cold start.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from skill.content import _LOCALE_SHAPE, DEFAULT_LOCALE

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words, apostrophes and dots dropped inside them ("athlete's" -> "athletes",
    "D.V.T." -> "dvt"), so a name matches however the speech recogniser wrote it."""
    folded = re.sub(r"(?<=\w)['\u2019.](?=\w)", "", text.casefold())
    return tuple(_WORD.findall(folded))


class SlotValues:
    """One locale's known names, as word tuples, per slot type and value id."""

    def __init__(self, known: dict[str, dict[str, list[str]]]) -> None:
        self._names: dict[str, list[tuple[tuple[str, ...], str]]] = {
            slot_type: sorted(((words_of(name), value_id) for value_id, names in values.items()
                               for name in names if words_of(name)),
                              key=lambda pair: -len(pair[0]))
            for slot_type, values in known.items()
        }

    def find(self, texts: Iterable[str], slot_types: Sequence[str]) -> tuple[str, str] | None:
        """(slot type, value id) of the longest known name said inside any of `texts`, the
        types tried in order: the first type with a name in the words wins."""
        spoken = [words_of(text) for text in texts if text]
        for slot_type in slot_types:
            for name, value_id in self._names.get(slot_type, ()):
                if any(_contains(words, name) for words in spoken):
                    return slot_type, value_id
        return None


def _contains(words: tuple[str, ...], name: tuple[str, ...]) -> bool:
    size = len(name)
    return any(words[i:i + size] == name for i in range(len(words) - size + 1))


def values_for(locale: object) -> SlotValues:
    """The known names for an Alexa locale (the default locale's for anything else)."""
    if not isinstance(locale, str) or not _LOCALE_SHAPE.fullmatch(locale):
        locale = DEFAULT_LOCALE
    return _values(locale)


@lru_cache(maxsize=16)
def _values(locale: str) -> SlotValues:
    folder = os.path.join(os.path.dirname(__file__), "values")
    try:
        raw = __spec__.loader.get_data(os.path.join(folder, f"{locale}.json"))
    except (FileNotFoundError, OSError):
        if locale == DEFAULT_LOCALE:
            return SlotValues({})
        return _values(DEFAULT_LOCALE)
    return SlotValues(json.loads(raw.decode("utf-8")))
