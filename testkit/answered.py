"""Answered on topic: each held-out line understood, sent to the real skill, and its reply read.

Intent accuracy says what the model heard; a person hears a reply. This measure takes each
held-out line the whole way: the offline understanding resolves it (the embedding stand-in for
English, `testkit.nlu`; the word matcher for any language, `skill.tryout.understanding`), the
request Alexa would send for that resolution goes through the Lambda handler with the Alexa
APIs answered in process (`testkit.alexa_apis`), and the reply is read against what the line's
`answer` field says a correct reply must mention.

An `answer` names meanings, not words: catalogue keys (`safety.condition.PREGNANCY`,
`explain.topic.NECK`, `start.started`), so one label serves every language and every variant of
a line. Each item must be mentioned; `a|b` accepts either; a key covers the keys it begins
(`end.done` is also `end.done_partial`); `length:N` is an N-minute session said as the
catalogue says it. A line meant for a running or paused session is sent to a user who has one,
and a yes or no answers the launch question, so each question meets the state it assumes.

A miss has one cause, the first that applies: routed elsewhere (another intent, the fallback
included), slot unresolved (the right intent, the slot it needed empty or unmatched), reply off
topic (understood as labelled, and still the wrong words).
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skill.content import Catalogue, catalogue_for
from testkit import envelopes
from testkit.checks import check_response, mentions, speech_of
from testkit.languages import WORD_SETS
from testkit.nlu import HELDOUT_SETS, MODELS_DIR, Resolver

FALLBACK = "AMAZON.FallbackIntent"
SAFETY_INTENTS = ("CheckSafetyIntent", "SafetyTipsIntent")
#: What a safety question must never hear: the fallback, or the menu of topics it did not name.
NOT_SAFETY_ANSWERS = ("fallback", "explain.unknown")
#: Goal per set (the issue's bar): share of lines answered on topic.
GOAL = 0.90

#: The state a line's intent assumes: a session running, paused, or the launch question asked.
RUNNING = ("TimeLeftIntent", "AMAZON.PauseIntent", "EndSessionIntent")
PAUSED = ("AMAZON.ResumeIntent",)
AFTER_LAUNCH = ("AMAZON.YesIntent", "AMAZON.NoIntent")

ROUTED = "routed elsewhere"
UNRESOLVED = "slot unresolved"
OFF_TOPIC = "reply off topic"


@dataclass(frozen=True)
class Line:
    """One held-out line with what its reply must mention."""

    text: str
    locale: str
    intent: str
    slots: dict[str, str]
    answer: tuple[str, ...]


@dataclass(frozen=True)
class Heard:
    """What an understanding made of a line: the request to send, and how it read it."""

    envelope: dict
    intent: str | None  # as labelled in the held-out sets (topic questions as explain)
    slots: dict[str, str]  # ids for custom slots ("?" when unmatched), values for built-ins


Understand = Callable[[Line, dict], Heard]  # (line, envelope keyword arguments) -> Heard


@dataclass
class Verdict:
    line: Line
    heard: Heard
    reply: str
    on_topic: bool
    cause: str | None  # None when on topic
    said_keys: tuple[str, ...] = ()  # the catalogue lines a miss was recognised as


@dataclass
class AnsweredReport:
    source: str
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def share(self) -> float:
        return (sum(v.on_topic for v in self.verdicts) / len(self.verdicts)
                if self.verdicts else float("nan"))

    def causes(self) -> Counter[str]:
        return Counter(v.cause for v in self.verdicts if v.cause)

    def safety_unanswered(self) -> list[Verdict]:
        """Safety questions answered by the fallback or the topic menu: the zero target."""
        return [v for v in self.verdicts if v.line.intent in SAFETY_INTENTS
                and any(k in NOT_SAFETY_ANSWERS for k in v.said_keys)]


def load_lines(path: str | Path) -> list[Line]:
    """A held-out set's lines; each must carry `answer` (a list of meanings)."""
    lines = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        row = json.loads(raw)
        answer = row.get("answer")
        if not answer or not all(isinstance(a, str) and a for a in answer):
            raise ValueError(f"{Path(path).name}:{number}: no answer for {row.get('text')!r}")
        lines.append(Line(row["text"], row.get("locale", "en-US"), row["intent"],
                          {k: str(v) for k, v in (row.get("slots") or {}).items()},
                          tuple(answer)))
    return lines


def mentioned(reply: str, catalogue: Catalogue, item: str) -> bool:
    """Whether `reply` says what one `answer` item means (any alternative of `a|b`)."""
    for choice in item.split("|"):
        if choice.startswith("length:"):
            minutes = int(choice.split(":", 1)[1])
            form = "one" if minutes == 1 else "other"  # as `Catalogue.count` chooses
            if mentions(reply, catalogue, f"units.length.{form}", n=minutes):
                return True
            continue
        keys = [k for k in catalogue if k == choice or k.startswith(choice)]
        if any(mentions(reply, catalogue, key) for key in keys):
            return True
    return False


def said_keys(reply: str, catalogue: Catalogue, keys: Iterable[str]) -> tuple[str, ...]:
    """Which of `keys` the reply says (to name a miss: the fallback, the menu...)."""
    return tuple(k for k in keys if k in catalogue and mentions(reply, catalogue, k))


class Skill:
    """The Lambda door over a temporary SQLite store, Alexa's APIs answered in process."""

    def __init__(self, folder: Path) -> None:
        from skill.builder import build_skill
        from skill.lambda_function import create_handler, intent_names
        from skill.settings import Settings
        from skill.telemetry import Telemetry
        from skill.telemetry.emf import EmfSink
        from testkit.alexa_apis import InProcessAlexaApi

        settings = Settings(store_url=f"sqlite://{folder / 'answered.db'}",
                            verify_requests=False)
        self.api = InProcessAlexaApi()
        # The door's metric lines go to a buffer nobody reads: the measure prints its report.
        quiet = Telemetry([EmfSink(io.StringIO())], door="lambda", intents=intent_names())
        self._handle = create_handler(settings, skill=build_skill(settings, api_client=self.api),
                                      telemetry=quiet)

    def send(self, envelope: dict) -> dict:
        return check_response(self._handle(json.loads(json.dumps(envelope)), None))


def _prepare(skill: Skill, line: Line, who: dict) -> dict:
    """Bring the user to the state the line assumes; the keyword arguments of its envelope."""
    locale = {"locale": line.locale}
    if line.intent in RUNNING or line.intent in PAUSED:
        start = envelopes.intent("StartSessionIntent",
                                 {"duration": envelopes.slot("duration", "PT10M")},
                                 **locale, **who)
        skill.send(start)
        if line.intent in PAUSED:
            skill.send(envelopes.intent("AMAZON.PauseIntent", **locale, **who))
    if line.intent in AFTER_LAUNCH:
        session_id = envelopes.new_session_id()
        answer = skill.send(envelopes.launch(session_id=session_id, **locale, **who))
        return {**who, "session_id": session_id, "new_session": False,
                "session_attributes": answer.get("sessionAttributes") or {}}
    return who


def _cause(line: Line, heard: Heard) -> str:
    if heard.intent != line.intent:
        return ROUTED
    for name, wanted in line.slots.items():
        got = heard.slots.get(name)
        if got in (None, "?") and wanted not in (None, "?"):
            return UNRESOLVED
    return OFF_TOPIC


def measure(lines: Sequence[Line], understand: Understand, *, source: str = "") -> AnsweredReport:
    """Send every line, as understood, to a fresh user of one skill; judge each reply."""
    report = AnsweredReport(source)
    with tempfile.TemporaryDirectory(prefix="mat-coach-answered-") as tmp:
        skill = Skill(Path(tmp))
        for number, line in enumerate(lines):
            who = {"user_id": f"amzn1.ask.account.HELDOUT{number:05d}",
                   "access_token": f"heldout-token-{number:05d}"}
            kwargs = _prepare(skill, line, who)
            heard = understand(line, kwargs)
            reply = speech_of(skill.send(heard.envelope))
            catalogue = catalogue_for(line.locale)
            on_topic = all(mentioned(reply, catalogue, item) for item in line.answer)
            report.verdicts.append(Verdict(
                line, heard, reply, on_topic, None if on_topic else _cause(line, heard),
                () if on_topic else said_keys(reply, catalogue, (
                    "fallback", "explain.unknown", "explain.overview", "explain.topic.BENEFITS",
                    "safety.general", "safety.unknown", "checkins.off", "help"))))
    return report


def by_embeddings(resolver_for: Callable[[str], object]) -> Understand:
    """The English embedding stand-in (`testkit.nlu`): `resolver_for(locale)` gives a Resolver."""
    from testkit import nlu

    def understand(line: Line, kwargs: dict) -> Heard:
        resolution = resolver_for(line.locale).resolve(line.text)  # type: ignore[attr-defined]
        outcome = nlu.Outcome(nlu.Example(line.text, line.locale, line.intent, line.slots),
                              resolution)
        intent, slots = outcome.understood
        return Heard(nlu.envelope_for(resolution, line.locale, **kwargs), intent, slots)

    return understand


def by_words(models_dir: Path | None = None) -> Understand:
    """The word matcher `mat-coach try` uses, reading each locale's model and word rules."""
    from skill.tryout.model import InteractionModel
    from skill.tryout.understanding import Understanding
    from testkit import lexical

    cache: dict[str, Understanding] = {}

    def understand(line: Line, kwargs: dict) -> Heard:
        if line.locale not in cache:
            cache[line.locale] = Understanding(InteractionModel.load(line.locale, models_dir))
        understood = cache[line.locale].understand(line.text)
        intent, slots = lexical.labelled(understood)
        if understood.launch or understood.intent is None:
            envelope = envelopes.launch(locale=line.locale, **kwargs)
        else:
            authority = f"amzn1.er-authority.echo-sdk.{envelopes.APP_ID}"
            sent = {s.name: s.to_json(authority) for s in understood.slots}
            envelope = envelopes.intent(understood.intent, sent, locale=line.locale, **kwargs)
        return Heard(envelope, intent or FALLBACK, slots)

    return understand


#: The sets and the understanding each is measured with by default.
SETS: dict[str, tuple[Path, str]] = {
    **{name: (path, "embeddings") for name, path in HELDOUT_SETS.items()},
    **{name: (path, "words") for name, path in WORD_SETS.items()},
}


def report_for(name: str, *, words: bool = False,
               resolvers: dict[str, Resolver] | None = None) -> AnsweredReport:
    """One set measured end to end; `resolvers` caches the embedding resolvers across sets."""
    path, how = SETS[name]
    lines = load_lines(path)
    if words or how == "words":
        return measure(lines, by_words(), source=f"{name} (word matcher)")
    cache = resolvers if resolvers is not None else {}

    def resolver_for(locale: str) -> Resolver:
        if locale not in cache:
            cache[locale] = Resolver.from_model(MODELS_DIR / f"{locale}.json")
        return cache[locale]

    return measure(lines, by_embeddings(resolver_for), source=f"{name} (embeddings)")


def format_report(report: AnsweredReport, *, misses: int = 12) -> str:
    """The share answered on topic, the causes of the misses and a few of each."""
    total = len(report.verdicts)
    done = sum(v.on_topic for v in report.verdicts)
    lines = [f"{report.source}: answered on topic {done}/{total} = {report.share:.1%}"
             f" (goal {GOAL:.0%})"]
    for cause, count in report.causes().most_common():
        lines.append(f"  {cause}: {count}")
    unsafe = report.safety_unanswered()
    lines.append(f"  safety questions answered by the fallback or the menu: {len(unsafe)}")
    shown = [v for v in report.verdicts if not v.on_topic][:misses]
    for v in shown:
        lines.append(f"    - {v.line.text!r} ({v.line.locale}) wanted {'+'.join(v.line.answer)};"
                     f" heard {v.heard.intent} {v.heard.slots}; {v.cause};"
                     f" said {', '.join(v.said_keys) or v.reply[:70]!r}")
    return "\n".join(lines)
