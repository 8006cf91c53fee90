"""One routine per person on a shared Echo, kept in the account's one record.

When Alexa recognises the speaker, the request carries `context.System.person.personId`: that
person's progress, goal, usual length and preferences are theirs alone. Anyone it does not
recognise shares the account's routine, so no feature needs voice profiles.

Everything stays in the account's single record (the account routine at the top, as before,
and each recognised person's routine under `people`), so a request still reads one record and
writes at most one, and "disable the skill" still deletes one record. The person ID itself is
never stored: the record keys each routine by a digest of it, and timer and reminder labels
carry only a short tag of that digest, enough to tell whose a timer is.
"""

from __future__ import annotations

#: The manifest permission under which Alexa sends `person.personId` for recognised speakers.
PERSON_SCOPE = "alexa::person_id:read"
PEOPLE_KEY = "people"
#: Households are small; a bound keeps a record from growing without end (the person written
#: longest ago makes room, and starts afresh if they come back).
MAX_PEOPLE = 12
_HEX = frozenset("0123456789ABCDEF")


def person_key(person_id: object) -> str | None:
    """The record's key for a recognised speaker (None: not recognised, the shared routine)."""
    if not isinstance(person_id, str) or not person_id.strip():
        return None
    import hashlib  # only a recognised speaker needs it; kept off the cold-start path

    return hashlib.sha256(person_id.strip().encode("utf-8")).hexdigest()[:24]


def tag_of(key: str | None) -> str | None:
    """The short tag a label carries for this person: four hex digits of the key."""
    return key[:4].upper() if key else None


def tagged(label: str, key: str | None) -> str:
    """The label as Alexa shows it: a person's timers say whose they are."""
    tag = tag_of(key)
    return f"{label} ({tag})" if tag else label


def label_owner(label: str) -> str | None:
    """The tag a label carries (None: the account's shared routine)."""
    text = (label or "").rstrip()  # "... (3F2A)": read by hand, no pattern to compile at import
    tag = text[-5:-1]
    if text.endswith(")") and text[-6:-5] == "(" and len(tag) == 4 and set(tag) <= _HEX:
        return tag
    return None


def owns(key: str | None, label: str) -> bool:
    """Whether a timer of ours with `label` belongs to this speaker's routine."""
    return label_owner(label) == tag_of(key)


def routine_attributes(attributes: dict | None, key: str | None) -> dict:
    """The stored attributes of one routine: the account's, or one person's."""
    attributes = attributes if isinstance(attributes, dict) else {}
    if key is None:
        return {k: v for k, v in attributes.items() if k != PEOPLE_KEY}
    people = attributes.get(PEOPLE_KEY)
    mine = people.get(key) if isinstance(people, dict) else None
    return dict(mine) if isinstance(mine, dict) else {}


def with_routine(attributes: dict | None, key: str | None, routine: dict) -> dict:
    """The whole record with one routine replaced; everyone else's is kept as it was."""
    attributes = attributes if isinstance(attributes, dict) else {}
    people = attributes.get(PEOPLE_KEY)
    people = dict(people) if isinstance(people, dict) else {}
    if key is None:
        merged = dict(routine)
    else:
        merged = {k: v for k, v in attributes.items() if k != PEOPLE_KEY}
        people[key] = routine
        while len(people) > MAX_PEOPLE:
            oldest = min((k for k in people if k != key),
                         key=lambda k: _written(people[k]))
            del people[oldest]
    if people:
        merged[PEOPLE_KEY] = people
    return merged


def keys_of(attributes: dict | None) -> list[str | None]:
    """Every routine the record holds: the account's (None) and each recognised person's."""
    attributes = attributes if isinstance(attributes, dict) else {}
    people = attributes.get(PEOPLE_KEY)
    return [None, *(people if isinstance(people, dict) else {})]


def without_routine(attributes: dict | None, key: str | None) -> dict:
    """The whole record less one routine (the account's becomes empty, a person's goes)."""
    attributes = attributes if isinstance(attributes, dict) else {}
    if key is None:
        return with_routine(attributes, None, {})
    people = attributes.get(PEOPLE_KEY)
    kept = {k: v for k, v in (people if isinstance(people, dict) else {}).items() if k != key}
    merged = {k: v for k, v in attributes.items() if k != PEOPLE_KEY}
    if kept:
        merged[PEOPLE_KEY] = kept
    return merged


def _written(routine: object) -> int:
    value = routine.get("t") if isinstance(routine, dict) else None  # Routine.written
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
