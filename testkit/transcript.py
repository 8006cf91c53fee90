"""Every reply the skill can give, as someone lying on the mat would hear it.

`script()` plays scenes that between them reach every handler path (welcomes, each topic and
condition, starting, reading, pausing, ending, progress, goals, refusals and outages) through
the real dispatch, with the Timers fake in process and the clock moved with time-machine.
Each scene is played with several random seeds, so the variants of a line show up. The
figures the voice is held to (word counts, variants, questions when the mic stays open,
banned words, runs of the source article) are computed here; `python -m bench.transcript`
prints them, and the tests assert them.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

from skill.builder import build_skill
from skill.content import PAUSE, catalogue_for
from skill.dispatch import handle_envelope
from skill.settings import Settings
from skill.store import StoreError
from skill.store.sqlite import SqliteStore
from testkit import envelopes as env
from testkit import reminder_requests
from testkit.alexa_apis import InProcessAlexaApi
from testkit.checks import MEDICAL_CLAIM, speech_of
from testkit.languages import language

EN = catalogue_for("en-US")
DATA = Path(__file__).resolve().parent / "data"
START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # a Monday evening
SEEDS = (1, 2, 3, 4)
BANNED = MEDICAL_CLAIM
#: Lines that a test names as frequently heard: each must have at least three variants.
FREQUENT = (
    "launch.new", "launch.returning", "launch.running", "launch.paused", "start.started",
    "time_left.running", "time_left.paused", "pause.done", "resume.done", "end.done",
    "progress.summary_met", "help", "fallback", "timer.announce",
    "checkin.eased", "checkin.halfway", "checkin.last_minute",
)


@dataclass
class Reply:
    """One reply of one scene: what was said, whether the mic stayed open."""

    scene: str
    speech: str
    reprompt: str | None
    open_mic: bool

    @property
    def words(self) -> int:
        return len(self.speech.split())


@dataclass
class Transcript:
    replies: list[Reply] = field(default_factory=list)

    def distinct(self) -> list[Reply]:
        seen: dict[tuple[str, str], Reply] = {}
        for reply in self.replies:
            seen.setdefault((reply.scene, reply.speech), reply)
        return list(seen.values())

    def figures(self) -> dict[str, float]:
        counts = sorted(r.words for r in self.distinct() if r.speech)
        return {
            "replies": len(counts),
            "median_words": statistics.median(counts),
            "p90_words": counts[max(0, round(0.9 * len(counts)) - 1)],
            "max_words": counts[-1],
        }


class _FailingStore(SqliteStore):
    def load(self, user_id: str):  # type: ignore[override]
        raise StoreError("store down (transcript scene)")


class _Player:
    """One user's requests through the real dispatch, session attributes carried."""

    def __init__(self, seed: int, workdir: Path, *, failing_store: bool = False,
                 locale: str = "en-US") -> None:
        self.api = InProcessAlexaApi()
        self.locale = locale
        store_path = workdir / f"transcript-{locale}-{seed}-{failing_store}.db"
        store = _FailingStore(str(store_path)) if failing_store else None
        self.skill = build_skill(Settings(store_url=f"sqlite://{store_path}",
                                          verify_requests=False),
                                 store=store, api_client=self.api, rng=random.Random(seed))
        self.attributes: dict = {}
        self.session_id: str | None = None

    def say(self, builder: Callable[..., dict], *args: object, **kwargs: object) -> dict:
        new = self.session_id is None
        self.session_id = self.session_id or env.new_session_id()
        envelope = builder(*args, api_endpoint="https://api.local", session_id=self.session_id,
                           new_session=new, session_attributes=dict(self.attributes),
                           locale=self.locale, **kwargs)
        answer = handle_envelope(self.skill, json.loads(json.dumps(envelope)))
        if (answer.get("response") or {}).get("shouldEndSession") is True:
            self.attributes, self.session_id = {}, None
        else:
            self.attributes = dict(answer.get("sessionAttributes") or {})
        return answer

    def intent(self, name: str, slots: dict | None = None, **kwargs: object) -> dict:
        return self.say(env.intent, name, slots, **kwargs)

    def heard_checkin(self) -> dict:
        """The last check-in the device spoke (a hidden timer's announcement, no chime), as
        a reply: the only words of the skill nobody asked for."""
        quiet = [e for e in self.api.fake.events_after(0, env.ACCESS_TOKEN)
                 if e.kind == "timer" and not e.audible]
        text = quiet[-1].text if quiet else ""
        return {"response": {"outputSpeech": {"type": "SSML", "ssml": f"<speak>{text}</speak>"},
                             "shouldEndSession": True}}


def _reply(scene: str, answer: dict) -> Reply:
    body = answer.get("response") or {}
    reprompt = ((body.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
    return Reply(scene, speech_of(answer),
                 re.sub(r"<[^>]+>", " ", reprompt).strip() if reprompt else None,
                 body.get("shouldEndSession") is not True and bool(body.get("outputSpeech")))


def _scenes(p: _Player, clock: time_machine.Coordinates) -> Iterator[tuple[str, dict]]:
    yield "launch, new user", p.say(env.launch)
    yield "yes to the first session", p.intent("AMAZON.YesIntent")
    clock.shift(timedelta(minutes=4))
    yield "check-in, first session", p.heard_checkin()
    yield "time left, running", p.intent("TimeLeftIntent")
    yield "pause", p.intent("AMAZON.PauseIntent")
    yield "pause again", p.intent("AMAZON.PauseIntent")
    yield "time left, paused", p.intent("TimeLeftIntent")
    yield "launch while paused", p.say(env.launch)
    yield "resume", p.intent("AMAZON.ResumeIntent")
    yield "resume again", p.intent("AMAZON.ResumeIntent")
    yield "launch while running", p.say(env.launch)
    yield "start while running", p.intent("StartSessionIntent", {"duration": "PT15M"})
    yield "no, keep it", p.intent("AMAZON.NoIntent")
    clock.shift(timedelta(minutes=20))
    yield "time left, the timer rang", p.intent("TimeLeftIntent")
    yield "time left, nothing running", p.intent("TimeLeftIntent")
    yield "no to the offer", p.intent("AMAZON.NoIntent")
    clock.shift(timedelta(days=1))
    yield "launch, returning", p.say(env.launch)
    yield "yes to the usual", p.intent("AMAZON.YesIntent")
    clock.shift(timedelta(minutes=7))
    yield "end, most of it done", p.intent("EndSessionIntent")
    yield "end, nothing running", p.intent("EndSessionIntent")
    yield "start, long", p.intent("StartSessionIntent", {"duration": "PT45M"})
    clock.shift(timedelta(minutes=3))
    yield "end, a little done", p.intent("EndSessionIntent")
    yield "start, busy day", p.intent("StartSessionIntent", {"duration": "PT10M"})
    clock.shift(timedelta(seconds=20))
    yield "end, under a minute", p.intent("EndSessionIntent")
    yield "progress", p.intent("ProgressIntent")
    yield "goal set", p.intent("SetGoalIntent", {"count": "2"})
    yield "progress, goal met", p.intent("ProgressIntent")
    yield "goal out of range", p.intent("SetGoalIntent", {"count": "40"})
    yield "goal without a number", p.intent("SetGoalIntent")
    for duration, scene in (("PT0S", "too short"), ("P2D", "too long"), ("?", "unclear")):
        yield f"start, {scene}", p.intent("StartSessionIntent", {"duration": duration})
    yield from _reminder_scenes(p)
    yield "help", p.intent("AMAZON.HelpIntent")
    yield "fallback", p.intent("AMAZON.FallbackIntent")
    yield "home", p.intent("AMAZON.NavigateHomeIntent")
    yield "yes to nothing", p.intent("AMAZON.YesIntent")
    yield "about the mat", p.intent("AboutMatIntent")
    yield "safety tips", p.intent("SafetyTipsIntent")
    lookups = (("ExplainMatIntent", "topic", "explain.topic.", "astrology"),
               ("CheckSafetyIntent", "condition", "safety.condition.", "cancer"))
    for intent, slot, prefix, unknown in lookups:
        for key in EN:
            if key.startswith(prefix):
                value_id = key.removeprefix(prefix)
                yield f"{intent} {value_id}", p.intent(intent, {
                    slot: env.slot(slot, value_id.lower(), resolved_id=value_id)})
        yield f"{intent}, unknown {slot}", p.intent(intent, {
            slot: env.slot(slot, unknown, no_match=True)})
    yield "no handler", p.intent("NoSuchIntent")
    yield "stop", p.intent("AMAZON.StopIntent")
    yield "with check-ins", p.intent("CheckInsOnIntent")
    p.api.fake.add_personal_timers(env.ACCESS_TOKEN, 8)
    yield "start, no room for check-ins", p.intent("StartSessionIntent", {"duration": "PT20M"})
    p.api.fake.personal_timers.clear()
    yield "with check-ins, during a session", p.intent("CheckInsOnIntent")
    clock.shift(timedelta(minutes=21))
    yield "start, with check-ins", p.intent("StartSessionIntent", {"duration": "PT20M"})
    clock.shift(timedelta(minutes=3))
    yield "check-in, two minutes in", p.heard_checkin()
    yield "no check-ins, during a session", p.intent("CheckInsOffIntent")
    yield "end, after check-ins", p.intent("EndSessionIntent")
    yield "no check-ins", p.intent("CheckInsOffIntent")
    p.api.fake.add_personal_timers(env.ACCESS_TOKEN, 10)
    yield "start, ten timers in use", p.intent("StartSessionIntent")
    p.api.fake.personal_timers.clear()
    p.api.fake.fail_status = 500
    yield "start, timers down", p.intent("StartSessionIntent")
    yield "time left, timers down", p.intent("TimeLeftIntent")
    p.api.fake.fail_status = None
    p.api.fake.revoke(env.ACCESS_TOKEN)
    yield "start, no permission", p.intent("StartSessionIntent")
    yield "permission denied", p.say(env.connections_response, "DENIED")
    yield "time left, no permission", p.intent("TimeLeftIntent")


def _reminder_scenes(p: _Player) -> Iterator[tuple[str, dict]]:
    """A few sessions in: the launch offers a weekly reminder, then it is set, listed, moved
    and stopped, and each refusal is heard."""
    days, plain_days = reminder_requests.days_slot, reminder_requests.plain_days_slot
    remind, consent = reminder_requests.set_reminder, reminder_requests.reminders_consent
    yield "launch, reminder offer", p.say(env.launch)
    yield "yes to a reminder", p.intent("AMAZON.YesIntent")
    yield "reminder days", p.say(remind, days("MONDAY", "WEDNESDAY", "FRIDAY"), None)
    yield "reminder time", p.say(remind, plain_days("monday, wednesday, friday"), "19:00")
    yield "reminders list", p.intent("ListRemindersIntent")
    yield "reminder, part of the day", p.say(remind, days("WEEKDAYS"), "MO")
    yield "reminder moved", p.say(remind, plain_days("weekdays"), "07:30")
    yield "reminder, nothing said", p.say(remind, None, None)
    yield "reminders stop", p.intent("StopRemindersIntent")
    yield "reminders list, none", p.intent("ListRemindersIntent")
    yield "reminders stop, none", p.intent("StopRemindersIntent")
    fake = p.api.fake.reminders
    fake.revoke(env.ACCESS_TOKEN)
    yield "reminder, no permission", p.say(remind, days("DAILY"), "20:00")
    token = "reminders:MO,TU,WE,TH,FR,SA,SU@20:00"
    yield "reminder permission denied", p.say(consent, "DENIED", token)
    fake.grant(env.ACCESS_TOKEN)
    yield "reminder permission allowed", p.say(consent, "ACCEPTED", token)
    fake.revoke(env.ACCESS_TOKEN)  # withdrawn in the Alexa app
    yield "reminders list, no permission", p.intent("ListRemindersIntent")
    fake.grant(env.ACCESS_TOKEN)
    limit, fake.max_reminders = fake.max_reminders, 0
    yield "reminder, too many reminders", p.say(remind, days("SUNDAY"), "09:00")
    fake.max_reminders = limit
    length, fake.max_text_length = fake.max_text_length, 5
    yield "reminder refused", p.say(remind, days("SUNDAY"), "09:00")
    fake.max_text_length = length
    fake.fail_status = 503
    yield "reminder, reminders down", p.say(remind, days("SUNDAY"), "09:00")
    fake.fail_status = None


def script(seeds: tuple[int, ...] = SEEDS, locale: str = "en-US") -> Transcript:
    """Play every scene once per seed in `locale`; the store-outage scenes once more on a
    broken store."""
    transcript = Transcript()
    say = catalogue_for(locale)
    with tempfile.TemporaryDirectory(prefix="mat-coach-transcript-") as tmp:
        for seed in seeds:
            with time_machine.travel(START, tick=False) as clock:
                player = _Player(seed, Path(tmp), locale=locale)
                for scene, answer in _scenes(player, clock):
                    transcript.replies.append(_reply(scene, answer))
                broken = _Player(seed, Path(tmp), failing_store=True, locale=locale)
                transcript.replies.append(_reply("launch, store down", broken.say(env.launch)))
    for variant in say.variants("timer.announce"):  # the timer's own announcement, each way
        transcript.replies.append(Reply("timer announcement", variant, None, False))
    for variant in say.variants("reminders.text"):  # what a weekly reminder says when it rings
        transcript.replies.append(Reply("reminder rings", variant, None, False))
    for key in ("checkin.eased", "checkin.halfway", "checkin.last_minute"):  # and check-ins
        for variant in say.variants(key):
            transcript.replies.append(Reply("check-in announcement", variant, None, False))
    return transcript


# --- the voice's own rules -----------------------------------------------------------------
def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower().replace("\u2019", "'"))


def shingle_hash(words: list[str]) -> str:
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def article_runs(text: str, hashes: set[str], size: int = 6) -> list[str]:
    """Runs of `size` words of `text` that also stand in the source article (by hash)."""
    words = words_of(text)
    return [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)
            if shingle_hash(words[i:i + size]) in hashes]


def article_hashes() -> set[str]:
    """Hashes of every six-word run of the source article (the text itself is not kept)."""
    return set((DATA / "article_shingles.txt").read_text("utf-8").split())


def catalogue_lines() -> Iterator[tuple[str, str]]:
    """(key, variant) for every line of every catalogue, regional ones included."""
    for locale in ("en-US", "en-GB", "en-AU", "en-CA", "en-IN"):
        say = catalogue_for(locale)
        for key in say:
            for variant in say.variants(key):
                yield f"{locale}:{key}", variant.replace(PAUSE, " ")


def ends_inviting(speech: str, locale: str = "en-US") -> bool:
    """A reply that leaves the microphone open ends with a question or an invitation (the
    words that make one are each language's, `testkit.languages`)."""
    text = speech.strip().lower()
    last = re.split(r"(?<=[.!?])\s+", text)[-1]
    return last.endswith("?") or bool(re.search(language(locale).invitation, last))


QUOTE_START = "<!-- transcript: python -m bench.transcript --markdown -->"
QUOTE_END = "<!-- end of transcript -->"
#: The pages that may quote a conversation: the front page and the pages under docs/.
QUOTING_PAGES = ("README.md", "docs/*.md")
#: The scenes the pages quote, in order; what the user says in each is each language's
#: `SpokenLanguage.quoted_lines` (None: a check-in, which the Echo speaks unasked).
_QUOTED_SCENES = ("launch, new user", "yes to the first session", "check-in, first session",
                  "time left, running", "pause", "resume", "launch, returning",
                  "yes to the usual", "end, most of it done", "launch, reminder offer",
                  "yes to a reminder", "reminder days", "reminder time")


#: How many scenes a short sample quotes: the welcome, the yes, the check-in, time left.
SHORT_SCENES = 4


def quote_start(locale: str = "en-US", short: bool = False) -> str:
    """The marker above a locale's quoted conversation (or its short sample)."""
    if locale == "en-US" and not short:
        return QUOTE_START
    flags = "--markdown --short" if short else "--markdown"
    return f"<!-- transcript: python -m bench.transcript {flags} --locale {locale} -->"


def pages_quoting(root: Path, locale: str = "en-US", short: bool = False) -> list[Path]:
    """The pages under `root` that quote a locale's conversation (the front page quotes the
    English one, docs/conversation.md the German one): exactly one should, so that one test
    keeps it current wherever it is moved."""
    pages = [path for pattern in QUOTING_PAGES for path in sorted(root.glob(pattern))]
    return [path for path in pages if quote_start(locale, short) in path.read_text("utf-8")]


def quoted(page: Path, locale: str = "en-US", short: bool = False) -> str:
    """The conversation a page quotes for a locale, between its markers."""
    text = page.read_text("utf-8")
    marker = quote_start(locale, short)
    start = text.index(marker) + len(marker)
    return text[start:text.index(QUOTE_END, start)].strip()


def quoted_samples(played: Transcript, locale: str = "en-US", short: bool = False) -> str:
    """A first session, a return, and a weekly reminder a few sessions later, from the first
    seed, in the format the pages quote it; `short`, only the start of the first session."""
    spoken = language(locale)
    wanted = list(zip(_QUOTED_SCENES, spoken.quoted_lines, strict=True))
    if short:
        wanted = wanted[:SHORT_SCENES]
    first = {}
    for reply in played.replies:
        first.setdefault(reply.scene, reply)
    lines = []
    for scene, said in wanted:
        if said is None:  # a check-in: the Echo speaks unasked, without a chime
            lines.append(f"> **Alexa** *({spoken.checkin_note})*: {first[scene].speech}  ")
            continue
        lines.append(f"> **User:** {said}  ")
        lines.append(f"> **Alexa:** {first[scene].speech}  ")
    return "\n".join(lines)
