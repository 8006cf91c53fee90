"""Turning what the user said into a session length.

Alexa hands us `AMAZON.DURATION` as ISO-8601 text (`PT20M`) and `AMAZON.NUMBER` as digits,
but either may be missing, empty, `?`, zero, negative or days long. Every such case maps to
an outcome the handler can speak, never to an exception.
"""

from __future__ import annotations

import math
from datetime import timedelta
from enum import Enum
from typing import NamedTuple

MIN_MINUTES = 1
MAX_MINUTES = 60
LONG_SESSION_MINUTES = 40
DEFAULT_MINUTES = 20
FIRST_SESSION_MINUTES = 10


class LengthOutcome(Enum):
    """What the user's words amount to."""

    GIVEN = "given"  # a usable length in minutes
    MISSING = "missing"  # nothing said: use the default
    TOO_SHORT = "too_short"  # zero, negative or under half a minute
    TOO_LONG = "too_long"  # over the accepted maximum
    UNCLEAR = "unclear"  # not a duration at all


class LengthRequest(NamedTuple):
    """The outcome and, when `GIVEN`, the whole minutes asked for."""

    outcome: LengthOutcome
    minutes: int | None = None


def _from_minutes(minutes: float) -> LengthRequest:
    if math.isnan(minutes):
        return LengthRequest(LengthOutcome.UNCLEAR)
    rounded = math.floor(minutes + 0.5) if math.isfinite(minutes) else minutes
    if rounded < MIN_MINUTES:
        return LengthRequest(LengthOutcome.TOO_SHORT)
    if rounded > MAX_MINUTES:
        return LengthRequest(LengthOutcome.TOO_LONG)
    return LengthRequest(LengthOutcome.GIVEN, int(rounded))


def _parse_duration(value: str) -> LengthRequest:
    # Imported here, not at the top: only a spoken duration needs it, and the import is a
    # measurable share of a Lambda cold start (see docs/performance.md).
    import isodate

    if not any(ch.isdigit() for ch in value):
        return LengthRequest(LengthOutcome.UNCLEAR)  # isodate reads a bare "PT" as zero
    try:
        parsed = isodate.parse_duration(value.strip())
    except (isodate.ISO8601Error, ValueError, TypeError, OverflowError, ArithmeticError):
        return LengthRequest(LengthOutcome.UNCLEAR)
    if isinstance(parsed, timedelta):
        return _from_minutes(parsed.total_seconds() / 60)
    # isodate returns its own Duration for years and months: always far too long, or negative.
    sign = -1 if (parsed.years < 0 or parsed.months < 0) else 1
    if parsed.years or parsed.months:
        return LengthRequest(LengthOutcome.TOO_LONG if sign > 0 else LengthOutcome.TOO_SHORT)
    return _from_minutes(parsed.tdelta.total_seconds() / 60)


def _parse_number(value: str) -> LengthRequest:
    try:
        return _from_minutes(float(value.strip()))
    except (ValueError, OverflowError):
        return LengthRequest(LengthOutcome.UNCLEAR)


def requested_length(duration: str | None, minutes: str | None) -> LengthRequest:
    """Read the two slots; a duration wins over a bare number when both are present."""
    duration = (duration or "").strip()
    minutes = (minutes or "").strip()
    if duration:
        return _parse_duration(duration)
    if minutes:
        return _parse_number(minutes)
    return LengthRequest(LengthOutcome.MISSING)


def iso_minutes(minutes: int) -> str:
    """The ISO-8601 duration the Timers API expects, e.g. `PT20M`."""
    return f"PT{int(minutes)}M"
