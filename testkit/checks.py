"""One checker for every response the skill gives, used by every test that gets one."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import ResponseEnvelope

from skill.content import Catalogue

ALLOWED_TAGS = {
    "speak", "break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub",
    "voice", "w", "audio", "amazon:effect", "amazon:domain", "amazon:emotion",
}
MAX_SPEECH_CHARS = 8000
MAX_RESPONSE_BYTES = 24 * 1024
#: Claims the skill must never make, in any variant of any line: checked on every response.
def banned_claims() -> dict[str, re.Pattern[str]]:
    """Each language's banned health claims (`testkit/data/banned_claims.json`), one pattern
    per language: a language's list is in its own words, as its advertising law reads them."""
    path = Path(__file__).resolve().parent / "data" / "banned_claims.json"
    data = json.loads(path.read_text("utf-8"))
    return {language: re.compile("|".join(patterns), re.I)
            for language, patterns in data.items() if not language.startswith("_")}


#: Any language's claim words: a response is checked against all of them, whatever its locale.
MEDICAL_CLAIM = re.compile("|".join(f"(?:{p.pattern})" for p in banned_claims().values()), re.I)
_serializer = DefaultSerializer()


def _ssml_tags(ssml: str) -> set[str]:
    wrapped = ssml.replace("<speak>", '<speak xmlns:amazon="urn:amazon">', 1)
    root = ET.fromstring(wrapped)  # raises on invalid XML
    tags = set()
    for element in root.iter():
        tag = element.tag
        if tag.startswith("{urn:amazon}"):
            tag = "amazon:" + tag.split("}", 1)[1]
        tags.add(tag)
    return tags


def speech_of(response: dict) -> str:
    """The plain text of the output speech (tags removed), for content assertions."""
    ssml = ((response.get("response") or {}).get("outputSpeech") or {}).get("ssml", "")
    text = re.sub(r"<[^>]+>", " ", ssml).replace("&apos;", "'").replace("&amp;", "&")
    return " ".join(text.replace("&quot;", '"').split())


# --- what a reply means, whichever variant was spoken ----------------------------------------
def _normal(text: str) -> str:
    return " ".join(text.replace("||", " ").split())


def _patterns(catalogue: Catalogue, key: str, params: dict) -> list[re.Pattern[str]]:
    """One pattern per variant of `key`: given params filled in, the others match anything."""
    patterns = []
    for variant in catalogue.variants(key):
        parts = re.split(r"(\{\w+\})", _normal(variant))
        regex = "".join(
            (re.escape(_normal(str(params[p[1:-1]]))) if p[1:-1] in params else "(.+?)")
            if re.fullmatch(r"\{\w+\}", p) else re.escape(p)
            for p in parts
        )
        patterns.append(re.compile(regex))
    return patterns


def says(speech: str, catalogue: Catalogue, key: str, **params: object) -> bool:
    """The whole reply is one of `key`'s variants (params not given may be anything)."""
    return any(p.fullmatch(_normal(speech)) for p in _patterns(catalogue, key, params))


def opens_with(speech: str, catalogue: Catalogue, key: str, **params: object) -> bool:
    """The reply begins with one of `key`'s variants."""
    return any(p.match(_normal(speech)) for p in _patterns(catalogue, key, params))


def mentions(speech: str, catalogue: Catalogue, key: str, **params: object) -> bool:
    """One of `key`'s variants is said somewhere in the reply."""
    return any(p.search(_normal(speech)) for p in _patterns(catalogue, key, params))


def line_pattern(catalogue: Catalogue, key: str, **params: object) -> re.Pattern[str]:
    """Any variant of `key` as one search pattern (params not given match anything): what a
    browser test waits for while a page shows the reply."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in _patterns(catalogue, key, params)))


def ends_session(response: dict) -> bool:
    """Whether the answer closes the session (`shouldEndSession: true`); left out keeps it."""
    return (response.get("response") or {}).get("shouldEndSession") is True


def check_response(response: dict) -> dict:
    """Assert everything Alexa requires of a response; return it for further assertions."""
    raw = json.dumps(response)
    assert len(raw.encode("utf-8")) <= MAX_RESPONSE_BYTES, "response over 24 KB"
    envelope = _serializer.deserialize(raw, ResponseEnvelope)
    assert envelope.version == "1.0"
    body = response["response"]
    for part in (body.get("outputSpeech"), (body.get("reprompt") or {}).get("outputSpeech")):
        if not part:
            continue
        assert part["type"] == "SSML"
        ssml = part["ssml"]
        assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
        assert len(ssml) <= MAX_SPEECH_CHARS
        assert _ssml_tags(ssml) <= ALLOWED_TAGS
        assert not MEDICAL_CLAIM.search(re.sub(r"<[^>]+>", "", ssml)), ssml
    if body.get("shouldEndSession") is False:
        assert body.get("reprompt"), "an open session needs a reprompt"
    return response
