"""Words as a speech recogniser hands them over, in English: the names every caller has used.

The rules themselves live per language in `skill.tryout.languages` (`language_for(locale)`);
the matchers take the language of the model they read. What stays here is the English reading
under the module-level names the page, the offline measure and the benchmarks import, and
the pieces that no language changes.
"""

from __future__ import annotations

from skill.tryout.languages import language_for
from skill.tryout.languages.rules import Language, duration_seconds, find_phrase, iso_duration

ENGLISH: Language = language_for("en")

normalise = ENGLISH.normalise
parse_number_words = ENGLISH.parse_number_words
find_number = ENGLISH.find_number
find_duration = ENGLISH.find_duration
find_time = ENGLISH.find_time
parse_number = ENGLISH.parse_number
parse_duration = ENGLISH.parse_duration
parse_time = ENGLISH.parse_time
invocation_pattern = ENGLISH.invocation_pattern

__all__ = ["ENGLISH", "Language", "duration_seconds", "find_duration", "find_number",
           "find_phrase", "find_time", "invocation_pattern", "iso_duration", "language_for",
           "normalise", "parse_duration", "parse_number", "parse_number_words", "parse_time"]
