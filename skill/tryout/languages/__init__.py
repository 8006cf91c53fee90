"""The word rules of each language the offline matcher understands, found by locale.

One small module per language, named by its code (`en.py`, `de.py`), each holding a `LANGUAGE`
(a `rules.Language`). A new language is a new module here, next to its catalogue and its
interaction model; nothing that reads a language names one: `language_for("de-DE")` finds
`de.py` by the locale's language code.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from skill.tryout.languages.rules import Language

#: Modules of this package that hold shared machinery, not a language.
_NOT_LANGUAGES = frozenset({"rules"})


class UnknownLanguage(LookupError):
    """No word rules for a locale's language: the message says which module would hold them."""


@cache
def language_codes() -> tuple[str, ...]:
    """The language codes that have word rules here, sorted."""
    return tuple(sorted(info.name for info in pkgutil.iter_modules(__path__)
                        if info.name not in _NOT_LANGUAGES and re.fullmatch(r"[a-z]{2,3}",
                                                                            info.name)))


def language_code(locale: str) -> str:
    """The language part of a locale: "de" for "de-DE" (and for "de_AT", "DE")."""
    return re.split(r"[-_]", locale.strip(), maxsplit=1)[0].lower()


@cache
def language_for(locale: str) -> Language:
    """The word rules for `locale` ("en-GB" and "en" give the English ones)."""
    code = language_code(locale)
    if code not in language_codes():
        raise UnknownLanguage(
            f"no word rules for {locale!r}: the offline matcher reads them from "
            f"skill/tryout/languages/{code or '<code>'}.py")
    language = importlib.import_module(f"{__name__}.{code}").LANGUAGE
    if not isinstance(language, Language) or language.code != code:
        raise UnknownLanguage(f"skill/tryout/languages/{code}.py holds no LANGUAGE for {code}")
    return language
