"""The held-out sets measured with the offline word matcher (`skill.tryout.understanding`).

`testkit.nlu` stands in for Alexa's understanding with English sentence embeddings
(all-MiniLM-L6-v2); no multilingual embedding model ships its weights in a package this
project can install, so a language other than English is measured here instead, with the
matcher `mat-coach try` uses, which reads each language's model and word rules. It is stricter
than Alexa (it knows only the samples' words and their synonyms), so its figures are a floor,
not a forecast. Beside accuracy it reports literal coverage: the share of in-domain lines that
one sample of the model frames exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skill.tryout.model import InteractionModel
from skill.tryout.understanding import Understanding, Understood
from testkit import nlu

FALLBACK = "AMAZON.FallbackIntent"
#: Questions whose wording is their topic have intents of their own; a held-out line labels them
#: as the explain intent with that topic, which is how they are answered.
TOPIC_INTENTS = {
    "MatIdentityIntent": "WHAT_IS", "HowItWorksIntent": "HOW_IT_WORKS",
    "MatBenefitsIntent": "BENEFITS", "SessionLengthIntent": "DURATION",
    "SessionFrequencyIntent": "FREQUENCY", "MatCostIntent": "COST", "MatEcoIntent": "ECO",
}


@dataclass
class LexicalReport:
    """One set's lines of one locale, as the word matcher understood them."""

    locale: str
    source: str
    total: int = 0
    in_domain: int = 0
    out_of_domain: int = 0
    intent_right: int = 0
    slots_right: int = 0
    to_fallback: int = 0
    literal: int = 0
    harmful: list[str] = field(default_factory=list)
    confusions: Counter = field(default_factory=Counter)

    def figures(self) -> dict[str, float]:
        inside, outside = max(1, self.in_domain), max(1, self.out_of_domain)
        return {"intent_in_domain": self.intent_right / inside,
                "intent_slots_in_domain": self.slots_right / inside,
                "ood_to_fallback": self.to_fallback / outside,
                "literal_coverage": self.literal / inside}


def _heard_slots(heard: Understood) -> dict[str, str]:
    """The slots as a held-out line labels them: ids for custom slots, values otherwise."""
    found = {}
    for slot in heard.slots:
        if slot.value is None:
            continue
        if slot.values:
            found[slot.name] = ",".join(value_id or words for words, value_id in slot.values)
        else:
            found[slot.name] = (slot.resolved_id or slot.value) if slot.custom else slot.value
    return found


def labelled(heard: Understood) -> tuple[str | None, dict[str, str]]:
    """The intent and slots in the held-out sets' terms (a length said as a bare number of
    minutes is the same request as the duration, as the start handler reads it)."""
    intent, slots = ("LaunchRequest" if heard.launch else heard.intent), _heard_slots(heard)
    minutes = slots.pop("minutes", None)
    if minutes and minutes.isdigit() and "duration" not in slots:
        slots["duration"] = f"PT{int(minutes)}M"
    if intent in TOPIC_INTENTS:
        # a complaint named in a benefits question ("hilft das bei {complaint}") is its topic
        return "ExplainMatIntent", {"topic": slots.get("complaint") or TOPIC_INTENTS[intent]}
    return intent, slots


def measure(path: Path, locale: str, *, models_dir: Path | None = None) -> LexicalReport:
    """Every line of `path` in `locale`, understood by the matcher reading that locale's model."""
    understanding = Understanding(InteractionModel.load(locale, models_dir))
    report = LexicalReport(locale, path.name)
    examples: Sequence[nlu.Example] = [e for e in nlu.load_heldout(path) if e.locale == locale]
    for example in examples:
        heard = understanding.understand(example.text)
        intent, slots = labelled(heard)
        report.total += 1
        if example.intent == FALLBACK:
            report.out_of_domain += 1
            report.to_fallback += intent == FALLBACK
            continue
        report.in_domain += 1
        report.literal += heard.how.startswith("matches the sample")
        if intent == example.intent:
            report.intent_right += 1
            wanted = {k: str(v) for k, v in example.slots.items()}
            report.slots_right += all(slots.get(k) == v for k, v in wanted.items())
        else:
            report.confusions[(example.intent, intent)] += 1
        if example.intent in nlu.SAFETY_INTENTS and intent in nlu.FORBIDDEN_FOR_SAFETY:
            report.harmful.append(example.text)
    return report


def format_report(report: LexicalReport, confusions: int = 8) -> str:
    """A few lines for people: the figures, then the commonest confusions."""
    f = report.figures()
    lines = [f"{report.source} [{report.locale}]: {report.total} lines "
             f"({report.in_domain} in domain, {report.out_of_domain} out of domain)",
             f"  intent {f['intent_in_domain']:.1%}  intent+slots "
             f"{f['intent_slots_in_domain']:.1%}  out of domain -> fallback "
             f"{f['ood_to_fallback']:.1%}  literal coverage {f['literal_coverage']:.1%}  "
             f"safety questions taken as start/resume: {len(report.harmful)}"]
    for (wanted, got), count in report.confusions.most_common(confusions):
        lines.append(f"  {count} x {wanted} heard as {got}")
    return "\n".join(lines)
