"""`mat-coach try`: start the local device page (or the console) and wait.

Importing this module is cheap (the command line builds every subcommand's options at start);
the servers, the skill and the understanding are imported when `run` runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import webbrowser
from typing import TYPE_CHECKING

from skill.tryout import speech
from skill.tryout.devices import DEFAULT_DEVICE, DEVICES

if TYPE_CHECKING:
    from skill.tryout.device import Device


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="where the device page listens (loopback by default)")
    parser.add_argument("--port", type=int, default=8000, help="the device page's port")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser (none is opened without a display anyway)")
    parser.add_argument("--console", action="store_true",
                        help="talk in this terminal instead: a line in, the reply out")
    parser.add_argument("--fast", action="store_true",
                        help="start with the fast clock on (one minute passes in one second)")
    parser.add_argument("--locale", default="en-US", metavar="LOCALE",
                        help="the device's language at start, one of the interaction models "
                             "(en-US, de-DE, ...); the page can switch it")
    parser.add_argument("--device", default=DEFAULT_DEVICE, choices=sorted(DEVICES),
                        help="the device at start: an Echo Dot (no screen, the default), an "
                             "Echo Show or a TV (the skill sends it screens); the page can "
                             "switch it")
    parser.add_argument("--zone", metavar="ZONE", default=None,
                        help="the device's time zone, an IANA name such as Europe/Berlin "
                             "(default: this machine's); the skill reads it as it reads Alexa's")
    parser.add_argument("--store", metavar="URL", default=None,
                        help="keep the routine in this store (default: a fresh SQLite file for "
                             "this run, removed at exit)")


def _can_open_browser() -> bool:
    """A browser only makes sense for a person at a screen."""
    if not sys.stdout.isatty():
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _known_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine (or tzdata) knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from skill.tryout.model import available_locales
    from skill.tryout.runner import TryOut

    locales = available_locales()
    if args.locale not in locales:
        print(f"mat-coach try: no model to try for {args.locale!r}; one of: "
              f"{', '.join(locales)}", file=sys.stderr)
        return 2
    if args.zone is not None and not _known_zone(args.zone):
        print(f"mat-coach try: {args.zone!r} is not a time zone name (such as Europe/Berlin)",
              file=sys.stderr)
        return 2
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly: servers down, temp files gone
    # The console talks to the device itself: no page is served, and none opened.
    tryout = TryOut(port=0 if args.console else args.port, host=args.host,
                    store_url=args.store, fast=args.fast, locale=args.locale, zone=args.zone,
                    page=not args.console, device=args.device)
    try:
        url = tryout.start()
        if args.console:
            assert tryout.device is not None
            logging.getLogger().setLevel(logging.WARNING)  # the terminal is the conversation
            return console(tryout.device, sys.stdin, sys.stdout)
        print(f"Mat Coach: the device page is on {url}, in {args.locale} (Ctrl-C stops it)",
              flush=True)
        if not args.no_browser and _can_open_browser():
            webbrowser.open(url)
        tryout.wait()
    except KeyboardInterrupt:
        pass
    finally:
        tryout.stop()
    return 0


def console(device: Device, lines: object, out: object, *, speak: bool = True) -> int:
    """The same try-out in a terminal: a line in, what was understood and the reply out;
    timers announced and reminders spoken when they are due, by a watcher thread that polls
    the local Alexa."""
    write_lock = threading.Lock()
    stop = threading.Event()

    def write(text: str) -> None:
        with write_lock:
            out.write(text + "\n")  # type: ignore[attr-defined]
            out.flush()  # type: ignore[attr-defined]

    def watch() -> None:
        seen = 0
        while not stop.wait(0.2):
            for event in device.state(seen)["events"]:
                seen = max(seen, event["number"])
                label = f" ({event['label']})" if event["label"] else ""
                kind = event["kind"] if event["kind"] in ("timer", "reminder") else "progress"
                write(f"[{kind}{label}] Alexa: {event['text']}")
                if speak:
                    speech.say_aloud(event["text"], device.language.voice_for(device.locale))

    watcher = threading.Thread(target=watch, daemon=True, name="mat-coach-try-console")
    watcher.start()
    examples = device.language.try_examples
    write(f"Mat Coach, in this terminal, in {device.language.name} ({device.locale}). A "
          "demonstration: requests are understood offline from the interaction model, not by "
          f"Alexa. Type what you would say (\"{examples[0] if examples else ''}\"); /fast and "
          "/slow switch the clock, /timers and /reminders list timers and reminders, "
          "/allow and /deny answer Alexa's questions, an empty line on its own is sent too, "
          "Ctrl-D quits.")
    try:
        for raw in lines:  # type: ignore[attr-defined]
            line = raw.rstrip("\n")
            command = line.strip().lower()
            if command in ("/fast", "/slow"):
                device.clock.set_fast(command == "/fast")
                write(f"(clock: {'fast, one minute a second' if command == '/fast' else 'real'})")
                continue
            if command == "/timers":
                timers = device.state(10**9)["timers"]
                write(", ".join(f"{t['label']}: {t['remaining'] // 60}:{t['remaining'] % 60:02d}"
                                f"{' paused' if t['paused'] else ''}" for t in timers)
                      or "(no timers)")
                continue
            if command == "/reminders":
                reminders = device.state(10**9)["reminders"]
                write("; ".join(f"{', '.join(r['days']) or 'once'} at {r['time']}"
                                for r in reminders) or "(no reminders)")
                continue
            if command in ("/allow", "/deny"):
                turn = device.answer_permission(command == "/allow")
            else:
                turn = device.say(line)
            for text in _turn_lines(turn):
                write(text)
            if speak:
                speech.say_aloud(" ".join(filter(None, (turn.get("speech"),
                                                        turn.get("permission_question")))),
                                 device.language.voice_for(device.locale))
    finally:
        stop.set()
        watcher.join(2)
    return 0


def _turn_lines(turn: dict) -> list[str]:
    lines = []
    understood = turn.get("understood")
    if understood:
        if understood["launch"]:
            lines.append("  understood: LaunchRequest")
        else:
            slots = ", ".join(f"{s['name']}={s['value']}" + (f" ({s['id']})" if s["id"] else "")
                              for s in understood["slots"] if s["value"] is not None)
            lines.append(f"  understood: {understood['intent']}"
                         f"{' ' + slots if slots else ''} ({understood['how']})")
    if turn.get("alexa_said"):
        lines.append(f"Alexa: {turn['alexa_said']}")
    if turn.get("error"):
        lines.append(f"  the skill refused the request: {turn['error']}")
    if turn.get("speech"):
        lines.append(f"Alexa: {turn['speech']}")
    card = turn.get("card")
    if card:
        lines.append(f"  [Alexa app card] {card['title']}: {card['text']}")
    screen = turn.get("screen")
    if screen:
        lines.append(f"  [screen] {str(screen.get('token') or '').removeprefix('mat-coach.')}")
    if turn.get("permission_question"):
        lines.append(f"Alexa: {turn['permission_question']} (answer it, or /allow / /deny)")
    return lines
