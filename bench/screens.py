"""Screenshots of every screen on two sizes, drawn by the device page (`docs/screens-*.png`).

`python -m bench.screens [--out docs]` runs `mat-coach try` in this process, opens its page in
Debian's headless chromium (Playwright, no browser download), picks an Echo Show 8 and an Echo
Show 5 (and the round and TV screens for the welcome), plays a session on the fast clock, and
saves the device's screen after each answer. The page's renderer is an approximation of an Echo
Show's, and the pictures are of that. Not run by the tests: the browser test checks the page.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from skill.tryout.runner import TryOut

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--no-proxy-server",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The devices every screen is shown on, and the extra ones that show the welcome only.
SIZES = {"echo-show-8": "show8", "echo-show-5": "show5"}
EXTRA = {"echo-spot": "round", "fire-tv": "tv", "echo-show-15": "show15"}


def _say(page, text: str) -> None:
    replies = page.locator("[data-testid=reply]")
    before = replies.count()
    page.fill("#utterance", text)
    page.press("#utterance", "Enter")
    page.wait_for_selector(f"[data-testid=reply] >> nth={before}")


def _shot(page, out: Path, name: str) -> Path:
    path = out / f"screens-{name}.png"
    screen = page.locator("#screen")
    screen.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the conversation's last lines settle before the picture
    screen.screenshot(path=str(path))
    return path


def _device(page, device: str) -> None:
    page.select_option("#device", device)
    page.wait_for_selector("[data-testid=device-switched] >> nth=-1")


def capture(out: Path) -> list[Path]:
    """Play the screens on each size and save them under `out`; returns the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with TryOut(voice_seed=5) as tryout, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1180, "height": 900}, device_scale_factor=2)
        page.set_default_timeout(15_000)
        page.goto(tryout.page_url)
        for device, size in SIZES.items():
            _device(page, device)
            _say(page, "open mat coach")
            saved.append(_shot(page, out, f"welcome-{size}"))
            _say(page, "is it safe if I'm pregnant")
            saved.append(_shot(page, out, f"answer-{size}"))
            _say(page, "start a twenty minute session")
            if page.locator("#permission").is_visible():
                page.click("#allow")
                page.wait_for_selector("#screen[data-screen=session]")
            page.wait_for_timeout(1500)
            saved.append(_shot(page, out, f"session-{size}"))
            _say(page, "ask mat coach to pause")
            saved.append(_shot(page, out, f"paused-{size}"))
            _say(page, "ask mat coach to resume")
            page.check("#fast-clock")
            page.wait_for_timeout(3000)
            page.uncheck("#fast-clock")
            _say(page, "tell mat coach I'm done")
            saved.append(_shot(page, out, f"done-{size}"))
            _say(page, "ask mat coach how am I doing")
            saved.append(_shot(page, out, f"progress-{size}"))
        for device, size in EXTRA.items():
            _device(page, device)
            _say(page, "open mat coach")
            saved.append(_shot(page, out, f"welcome-{size}"))
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    for path in capture(parser.parse_args(argv).out):
        print(path)


if __name__ == "__main__":
    main()
