"""Optional voice input for the try-out: pocketsphinx, offline, held to the interaction model.

pocketsphinx ships an English acoustic model and dictionary inside its wheel (the `voice`
extra). A free-form English language model would hear anything and mostly get it wrong, so the
recogniser is constrained with a JSGF grammar built from the interaction model: every sample,
with or without the invocation ("ask mat coach ..."), slots spelled out as their values (custom
types), spoken numbers and lengths (AMAZON.NUMBER, AMAZON.DURATION). Samples with a word the
dictionary cannot pronounce are left out. The text it hears then goes through the same
understanding as typed text.

Audio arrives as 16 kHz, 16-bit, mono little-endian PCM (the page records and converts it).
"""

from __future__ import annotations

import re
import sys
import threading
from array import array

from skill.tryout.model import DURATION, NUMBER, InteractionModel

SAMPLE_RATE = 16_000
#: Thirty seconds of speech at most: a request is a sentence.
MAX_AUDIO_BYTES = SAMPLE_RATE * 2 * 30
_SPOKEN = """one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty"""
_NUMBERS = _SPOKEN.split()
_UNITS = ("minute", "minutes", "hour", "hours", "second", "seconds")
_WORD = re.compile(r"[a-z']+")
_lock = threading.Lock()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def grammar(model: InteractionModel, known: object = None) -> str:
    """A JSGF grammar of everything the model's samples say; `known(word)` filters words."""
    def ok(words: list[str]) -> bool:
        return bool(words) and (known is None or all(known(w) for w in words))  # type: ignore[operator]

    def alternatives(phrases: list[str]) -> str:
        kept = list(dict.fromkeys(" ".join(w) for p in phrases if ok(w := _words(p))))
        return "( " + " | ".join(kept) + " )" if kept else ""

    rules: dict[str, str] = {
        "number": alternatives([*_NUMBERS, *(f"{t} {u}" for t in _NUMBERS[19:23]
                                             for u in _NUMBERS[:9])]),
    }
    units = alternatives(list(_UNITS))
    rules["duration"] = f"( <number> {units} | half an hour | an hour )"
    for name, values in model.types.items():
        body = alternatives([p for v in values for p in v.phrases])
        if body:
            rules[f"type_{name}"] = body
    samples = []
    for intent in model.intents.values():
        for sample in intent.samples:
            parts = []
            for piece in re.split(r"(\{\w+\})", sample):
                slot = re.fullmatch(r"\{(\w+)\}", piece)
                if slot:
                    slot_type = intent.slots.get(slot.group(1), "")
                    rule = {DURATION: "duration", NUMBER: "number"}.get(
                        slot_type, f"type_{slot_type}")
                    if rule not in rules:
                        parts = []
                        break
                    parts.append(f"<{rule}>")
                elif piece.strip():
                    words = _words(piece)
                    if not ok(words):
                        parts = []
                        break
                    parts.append(" ".join(words))
            if parts:
                samples.append(" ".join(parts))
    invocation = " ".join(_words(model.invocation))
    lines = ["#JSGF V1.0;", "grammar mat;"]
    lines += [f"<{name}> = {body};" for name, body in rules.items()]
    lines.append("<request> = ( " + " | ".join(dict.fromkeys(samples)) + " );")
    lines.append(f"public <utterance> = ( [alexa] [ ( ask | tell | open ) {invocation} [ to ] ]"
                 f" <request> | [ alexa ] ( open | launch ) {invocation} );")
    return "\n".join(lines) + "\n"


_decoders: dict[int, tuple[InteractionModel, object]] = {}


def _decoder(model: InteractionModel) -> object:
    """One decoder per model, built on first use: compiling the grammar takes seconds and
    holds the interpreter, so it is not done at start, when the page must answer at once."""
    cached = _decoders.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    from pocketsphinx import Decoder

    # Narrower beams than the defaults: four times faster on this grammar, and as accurate.
    decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", beam=1e-30, wbeam=1e-20,
                      pbeam=1e-30, maxhmmpf=3000)
    text = grammar(model, known=lambda w: decoder.lookup_word(w) is not None)
    decoder.add_jsgf_string("mat", text)
    decoder.activate_search("mat")
    _decoders[id(model)] = (model, decoder)
    return decoder


def _quiet(seconds: float) -> bytes:
    """Room-quiet noise: a button press cuts the recording right at the first word, and
    perfectly silent edges upset the recogniser's energy normalisation."""
    samples = array("h", ((((i * 1103515245 + 12345) >> 8) % 61) - 30
                          for i in range(int(SAMPLE_RATE * seconds))))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def recognise(audio: bytes, model: InteractionModel) -> str:
    """The words heard in `audio` (16 kHz mono s16le), or "" when nothing was."""
    audio = audio[:MAX_AUDIO_BYTES]
    if len(audio) < SAMPLE_RATE // 10 or len(audio) % 2:
        return ""
    audio = _quiet(0.4) + audio + _quiet(0.4)
    with _lock:  # one decoder, one utterance at a time
        decoder = _decoder(model)
        decoder.start_utt()  # type: ignore[attr-defined]
        decoder.process_raw(audio, full_utt=True)  # type: ignore[attr-defined]
        decoder.end_utt()  # type: ignore[attr-defined]
        hypothesis = decoder.hyp()  # type: ignore[attr-defined]
    return hypothesis.hypstr if hypothesis is not None else ""
