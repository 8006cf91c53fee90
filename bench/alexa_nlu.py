"""`python -m bench.alexa_nlu`: the held-out sets scored by Alexa's own understanding.

`python -m bench.nlu` measures the models with an offline stand-in, because Alexa's language
understanding runs only at Amazon. This is the same measure against the real thing: for a skill
whose interaction models are built in the developer console (or with `ask deploy`), each held-out
line is sent to the Skill Management API's Utterance Profiler,

    POST /v1/skills/{skillId}/stages/{stage}/interactionModel/locales/{locale}/profileNlu

which resolves an utterance against the built model without invoking the skill, and the answers
are judged and printed exactly as `bench.nlu` judges and prints the stand-in's (intent,
intent+slot, out of domain -> fallback, confusions). Amazon retired its batch NLU Evaluation
tool in 2024; the profiler is what remains, one utterance a request.

Needs a Login with Amazon access token for the Skill Management API in `ASK_ACCESS_TOKEN` (for
example from `ask util generate-lwa-tokens`) and the skill's ID. One-shot lead-ins ("ask mat
coach ...") are taken off first, since the profiler hears a request inside the skill. Throttled
requests (429) and passing faults (5xx) are tried again a few times; anything else stops the run
with one line saying what was refused, never a partial figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests
from ask_sdk_core.serialize import DefaultSerializer
from ask_smapi_model.v1.skill.evaluations.profile_nlu_response import ProfileNluResponse

from bench.nlu import verdict
from skill.tryout.languages import language_for
from testkit import nlu

API = "https://api.amazonalexa.com"
PROFILE_PATH = "/v1/skills/{skill}/stages/{stage}/interactionModel/locales/{locale}/profileNlu"
MATCH = "ER_SUCCESS_MATCH"
#: Answers worth asking again, and how often: throttling and passing faults at Amazon.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 5


class ProfilerRefused(RuntimeError):
    """The profiler refused a request for a reason trying again will not fix."""


class Profiler:
    """A small client for the Utterance Profiler of one skill and stage."""

    def __init__(self, skill_id: str, token: str, *, stage: str = "development", api: str = API,
                 session: requests.Session | None = None,
                 pause: Callable[[float], None] = time.sleep) -> None:
        self.skill_id, self.stage, self.api = skill_id, stage, api.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.pause = pause  # the wait between attempts (a test passes one that returns at once)

    def profile(self, locale: str, utterance: str) -> ProfileNluResponse:
        """Alexa's reading of `utterance` in `locale`, as the profiler's typed response."""
        url = self.api + PROFILE_PATH.format(skill=urllib.parse.quote(self.skill_id, safe=""),
                                             stage=self.stage, locale=locale)
        for attempt in range(1, ATTEMPTS + 1):
            answer = self.session.post(url, json={"utterance": utterance}, timeout=30)
            if answer.status_code == 200:
                return DefaultSerializer().deserialize(answer.text, ProfileNluResponse)
            if answer.status_code not in RETRY_STATUSES or attempt == ATTEMPTS:
                raise ProfilerRefused(_refusal(answer.status_code, locale))
            self.pause(_wait(answer, attempt))
        raise AssertionError("unreachable")  # the loop returns or raises


def _wait(answer: requests.Response, attempt: int) -> float:
    """Retry-After when Amazon says it (capped), else a doubling back-off."""
    try:
        return min(float(answer.headers.get("Retry-After", "")), 30.0)
    except ValueError:
        return min(0.5 * 2 ** (attempt - 1), 8.0)


def _refusal(status: int, locale: str) -> str:
    if status in (401, 403):
        return (f"the access token was refused ({status}): it lasts an hour; make a new one "
                "with `ask util generate-lwa-tokens` and put it in ASK_ACCESS_TOKEN")
    if status == 404:
        return f"no built {locale} model for that skill and stage (404)"
    if status == 400:
        return f"the profiler refused the request as malformed (400, {locale})"
    return f"the profiler kept failing ({status}, {locale})"


def resolution_of(text: str, answer: ProfileNluResponse,
                  slot_types: Mapping[str, Mapping[str, str]]) -> nlu.Resolution:
    """The profiler's selected intent as the offline measure writes a resolution: custom slots
    carry entity resolution's matched id, built-in ones their canonical value."""
    selected = answer.selected_intent
    if selected is None or not selected.name:  # nothing chosen: the request is not for us
        return nlu.Resolution(text, nlu.FALLBACK, {}, 1.0)
    declared = slot_types.get(selected.name, {})
    slots: dict[str, nlu.SlotValue] = {}
    for name, slot in (selected.slots or {}).items():
        if slot is None or not slot.value:
            continue
        slot_type = declared.get(name, "")
        matched = None
        for authority in getattr(slot.resolutions, "resolutions_per_authority", None) or []:
            code = getattr(getattr(authority.status, "code", None), "value", None)
            if code == MATCH and authority.values:
                matched = authority.values[0].id
                break
        slots[name] = nlu.SlotValue(slot.value, matched, slot_type)
    return nlu.Resolution(text, selected.name, slots, 1.0, None, tuple(declared))


def slot_types_of(locale: str, models_dir: Path = nlu.MODELS_DIR) -> dict[str, dict[str, str]]:
    """Intent -> slot name -> slot type, from the locale's interaction model."""
    language = nlu.load_model(models_dir / f"{locale}.json")
    return {intent["name"]: {s["name"]: s["type"] for s in intent.get("slots", []) or []}
            for intent in language.get("intents", []) or []}


def evaluate(examples: Sequence[nlu.Example], profiler: Profiler, *,
             models_dir: Path = nlu.MODELS_DIR, source: str = "") -> nlu.Report:
    """Each example as Alexa reads it, judged as `testkit.nlu.evaluate` judges the stand-in."""
    started = time.perf_counter()
    outcomes: list[nlu.Outcome] = []
    types: dict[str, dict[str, dict[str, str]]] = {}
    lead_ins: dict[str, Any] = {}
    for example in examples:
        if example.locale not in types:
            types[example.locale] = slot_types_of(example.locale, models_dir)
            invocation = nlu.load_model(models_dir / f"{example.locale}.json")["invocationName"]
            lead_ins[example.locale] = language_for(example.locale).invocation_pattern(
                invocation)
        spoken = nlu.without_invocation(lead_ins[example.locale], example.text)
        answer = profiler.profile(example.locale, spoken)
        outcomes.append(nlu.Outcome(example,
                                    resolution_of(spoken, answer, types[example.locale])))
    return nlu.Report(outcomes, {}, time.perf_counter() - started, source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alexa_nlu",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--skill-id", required=True, help="the skill whose models are built")
    parser.add_argument("--stage", default="development", choices=("development", "live"))
    parser.add_argument("--locale", action="append",
                        help="only this locale's lines (repeatable; default: every locale)")
    parser.add_argument("--heldout", type=Path, action="append",
                        help="held-out JSON lines (repeatable; default: every set in "
                             "testkit/data)")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the targets are met")
    parser.add_argument("--api", default=API, help=argparse.SUPPRESS)  # loopback in tests
    args = parser.parse_args(argv)
    token = os.environ.get("ASK_ACCESS_TOKEN", "").strip()
    if not token:
        print("bench.alexa_nlu: set ASK_ACCESS_TOKEN to a Login with Amazon access token for "
              "the Skill Management API (`ask util generate-lwa-tokens`)", file=sys.stderr)
        return 2
    profiler = Profiler(args.skill_id, token, stage=args.stage, api=args.api)
    failures: list[str] = []
    for path in args.heldout or list(nlu.HELDOUT_SETS.values()):
        examples = [e for e in nlu.load_heldout(path)
                    if not args.locale or e.locale in args.locale]
        try:
            report = evaluate(examples, profiler, source=path.name)
        except (ProfilerRefused, requests.RequestException) as exc:
            print(f"bench.alexa_nlu: {exc}", file=sys.stderr)
            return 2
        print(nlu.format_report(report))
        print()
        failures += [f"{path.name}: {f}" for f in nlu.check_failures(report)]
    return verdict(failures, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
