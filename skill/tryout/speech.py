"""Offline speech for the try-out: espeak-ng says the replies, pocketsphinx may hear requests.

Both are optional. Without espeak-ng the page shows every reply as text (and a browser that has
its own voices may read it); without the `voice` extra the microphone button explains how to get
it. Neither absence is an error. espeak-ng reads each language with that language's voice
(`Language.voice`: "en-us", "de"); the recogniser hears English only.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import subprocess

#: Replies are short; this bounds what one request can make espeak-ng say.
MAX_SPOKEN_CHARS = 2000
VOICE_EXTRA_HINT = ("Voice input is optional: install it with .venv/bin/pip install -e '.[voice]' "
                    "(pocketsphinx, offline, English). Typing works the same.")
ENGLISH_ONLY_HINT = ("Voice input hears English only (pocketsphinx); in this language, type "
                     "what you would say.")
#: The voice when none is named: the one English replies have always had.
DEFAULT_VOICE = "en-us"


def espeak_path() -> str | None:
    return shutil.which("espeak-ng")


def synthesize(text: str, *, voice: str = DEFAULT_VOICE, timeout: float = 15.0) -> bytes | None:
    """WAV audio of `text` in espeak-ng's `voice`, or None when it is not installed or fails."""
    program = espeak_path()
    if program is None or not text.strip():
        return None
    try:
        done = subprocess.run(
            [program, "-v", voice, "-s", "165", "--stdout", "--", text[:MAX_SPOKEN_CHARS]],
            capture_output=True, timeout=timeout, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 and done.stdout[:4] == b"RIFF" else None


def voice_input_available() -> bool:
    """True when the optional pocketsphinx recogniser is importable."""
    return importlib.util.find_spec("pocketsphinx") is not None


def say_aloud(text: str, voice: str = DEFAULT_VOICE) -> None:
    """For the console: speak through espeak-ng's own audio output, when it is installed."""
    program = espeak_path()
    if program is None or not text.strip():
        return
    with contextlib.suppress(OSError):  # a broken install only costs the sound
        subprocess.Popen([program, "-v", voice, "-s", "165", "--", text[:MAX_SPOKEN_CHARS]],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
