"""The device page in a real browser: Playwright driving the system's headless Chromium.

A whole session is played as a person would on `mat-coach try`: open the skill, ask a safety
question, start a one-minute session on the fast clock, watch the countdown, get the timer's
announcement, ask how you are doing. Bad input and markup are tried too. No browser is ever
downloaded: the test uses Debian's `chromium` (`.ci/run` installs it when it is missing).
Screenshots go to the test's temporary directory, or to `MAT_COACH_SCREENSHOTS` when set.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from skill.tryout.runner import TryOut
from testkit.languages import OTHERS, SpokenLanguage

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-proxy-server"]
WAIT_MS = 15_000  # every wait on the page is bounded

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with TryOut(voice_seed=5) as tryout:
        yield tryout.page_url


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("MAT_COACH_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def browser_tab(url: str, profile: Path) -> Iterator[object]:
    """The page at `url` in Debian's Chromium; no script error may happen on it meanwhile."""
    with playwright_api.sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1180, "height": 820}, timeout=60_000,
        )
        context.set_default_timeout(WAIT_MS)
        try:
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(url)
            yield tab
            assert errors == [], errors
        finally:
            context.close()


@pytest.fixture
def page(page_url: str, tmp_path: Path) -> Iterator[object]:
    with browser_tab(page_url, tmp_path / "profile") as tab:
        yield tab


def say(page, text: str) -> object:
    """Type `text`, press Enter, and return the reply it got (a new reply bubble)."""
    replies = page.locator("[data-testid=reply]")
    before = replies.count()
    page.fill("#utterance", text)
    page.press("#utterance", "Enter")
    expect(replies).to_have_count(before + 1)
    return replies.last


def test_a_whole_session_by_typing(page, shots: Path) -> None:
    expect(page.locator("#notice")).to_contain_text("not by Alexa")
    expect(page.locator("#voice-note")).not_to_be_empty()  # voice: available, or how to get it

    expect(say(page, "open mat coach")).to_contain_text("Mat Coach")
    expect(page.locator("[data-testid=understood]").last).to_contain_text("LaunchRequest")

    expect(say(page, "is it safe if I'm pregnant")).to_contain_text("pregnan")
    understood = page.locator("[data-testid=understood]").last
    expect(understood).to_contain_text("CheckSafetyIntent")
    expect(understood).to_contain_text("PREGNANCY")

    page.check("#fast-clock")
    say(page, "start a one minute session")
    expect(page.locator("#permission")).to_be_visible()  # Alexa's own question
    expect(page.locator("#permission-question")).to_contain_text("timers")
    replies = page.locator("[data-testid=reply]").count()
    page.click("#allow")
    expect(page.locator("[data-testid=reply]")).to_have_count(replies + 1)
    expect(page.locator("[data-testid=reply]").last).to_contain_text("1 minute")

    remaining = page.locator("#timers .timer .remaining")
    expect(remaining).to_have_text(re.compile(r"^0:[0-5]\d$"))  # counting down from 1:00
    page.screenshot(path=str(shots / "try-countdown.png"))

    announcement = page.locator("[data-testid=timer]")
    expect(announcement).to_have_count(1)
    expect(announcement).to_contain_text("Roll")
    expect(page.locator("#timers .timer")).to_have_count(0)

    expect(say(page, "how am I doing")).to_contain_text("1 of")
    expect(page.locator("[data-testid=understood]").last).to_contain_text("ProgressIntent")
    page.locator("#dev-turns details").last.locator("summary").click()
    expect(page.locator("#dev-turns details").last.locator("pre.request")).to_contain_text(
        "ProgressIntent")
    page.screenshot(path=str(shots / "try-session.png"))
    assert (shots / "try-session.png").stat().st_size > 10_000


def test_a_weekly_reminder_is_allowed_listed_and_rings(page, shots: Path) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from skill.tryout.runner import local_zone

    say(page, "remind me to use my mat on mondays and fridays at seven pm")
    expect(page.locator("[data-testid=understood]").last).to_contain_text(
        'days=["mondays" (id MONDAY), "fridays" (id FRIDAY)], time="19:00"')
    expect(page.locator("#permission-question")).to_contain_text("reminders")
    replies = page.locator("[data-testid=reply]").count()
    page.click("#allow")
    expect(page.locator("[data-testid=reply]")).to_have_count(replies + 1)
    expect(page.locator("[data-testid=reply]").last).to_contain_text("Monday")
    reminder = page.locator("#reminders .reminder")
    expect(reminder).to_have_count(1)
    expect(reminder.locator(".days")).to_have_text("Monday, Friday")
    expect(reminder.locator(".time")).to_have_text("19:00")

    # A few minutes ahead on the fast clock the page shows, in the device's zone.
    page.check("#fast-clock")
    shown = page.locator("#clock")
    expect(shown).to_contain_text("Device clock")
    # The device clock is shown in the device's zone (this machine's), named after it.
    expect(shown).to_contain_text(f"({local_zone()})")
    now = datetime.strptime(shown.inner_text().split(": ", 1)[1][:19], "%Y-%m-%d %H:%M:%S")
    due = now.replace(tzinfo=ZoneInfo(local_zone())) + timedelta(minutes=3)
    when = f"{due.hour % 12 or 12}:{due.minute:02d} {'am' if due.hour < 12 else 'pm'}"
    rung = page.locator("[data-testid=reminder]")
    before = rung.count()  # Monday's and Friday's, should the fast clock have passed one
    say(page, f"remind me to use my mat on {due:%A} at {when}")
    expect(reminder.locator(".time")).to_have_text(f"{due:%H:%M}")
    expect(rung).to_have_count(before + 1, timeout=WAIT_MS)  # 2 to 3 device minutes: 2 to 3 s
    expect(rung.last).to_contain_text("Reminder:")
    page.screenshot(path=str(shots / "try-reminder.png"))
    say(page, "stop my reminders")
    expect(page.locator("#reminders .empty")).to_have_text("No reminders.")


def wait_until(page, condition, limit_ms: int = WAIT_MS) -> None:
    """Let the page run until `condition()` holds, failing after `limit_ms`."""
    waited = 0
    while not condition():
        assert waited < limit_ms, "the page never got there"
        page.wait_for_timeout(20)
        waited += 20


def test_a_state_reply_sent_before_a_change_never_unticks_the_fast_clock(page) -> None:
    """The page polls the device state; a reply that left before the click must not undo it."""
    base = page.url.rstrip("/")
    page.request.post(base + "/api/clock", data={"fast": False})
    box = page.locator("#fast-clock")
    expect(box).not_to_be_checked()
    held: list = []
    page.route("**/api/state*", lambda route: held.append(route))
    try:
        wait_until(page, lambda: held)  # a poll is on its way, asked before the change
        stale_route = held.pop(0)
        stale = stale_route.fetch()
        assert stale.json()["fast"] is False
        with page.expect_response("**/api/clock"):
            page.check("#fast-clock")
        stale_route.fulfill(response=stale)
        wait_until(page, lambda: held)  # the page has read the stale reply and asked again
        assert box.is_checked()
    finally:
        page.unroute("**/api/state*")  # the held polls go on to the server
    assert page.request.get(base + "/api/state?after=0").json()["fast"] is True
    page.uncheck("#fast-clock")
    expect(box).not_to_be_checked()


def test_bad_input_is_answered_and_never_rendered_as_markup(page, shots: Path) -> None:
    say(page, "open mat coach")
    for text in ("", "x" * 10_000, "<img src=x onerror=\"window.pwned=1\"><b>bold</b>"):
        reply = say(page, text)
        expect(reply).to_contain_text(re.compile(r"\w+ \w+ \w+"))  # a spoken, helpful answer
    said = page.locator("[data-testid=said]").last
    expect(said).to_have_text("<img src=x onerror=\"window.pwned=1\"><b>bold</b>")
    assert page.locator("#conversation img, #conversation b").count() == 0
    assert page.evaluate("window.pwned === undefined")
    page.screenshot(path=str(shots / "try-bad-input.png"))


# --- the same device in each other language ------------------------------------------------------
@pytest.fixture(params=OTHERS, ids=lambda lang: lang.locale)
def spoken(request: pytest.FixtureRequest) -> SpokenLanguage:
    return request.param


@pytest.fixture
def fresh_page_url() -> Iterator[str]:
    """A try-out of its own with a new user: no permission given yet, no session done."""
    with TryOut(voice_seed=7) as tryout:
        yield tryout.page_url


def test_a_conversation_after_switching_language(fresh_page_url: str, tmp_path: Path,
                                                 shots: Path, spoken: SpokenLanguage) -> None:
    from skill.content import catalogue_for
    from skill.tryout.languages import language_for
    from testkit.checks import line_pattern

    with browser_tab(fresh_page_url, tmp_path / "profile") as page:
        _conversation(page, spoken, catalogue_for(spoken.locale), language_for(spoken.locale),
                      line_pattern, shots)


def _conversation(page, spoken: SpokenLanguage, say_it, alexa, line_pattern,
                  shots: Path) -> None:
    locale, said, name = spoken.locale, spoken.phrases, say_it.text("listing.name")
    assert said is not None
    english = spoken.english_words(" ".join(v for key in say_it for v in say_it.variants(key)))
    # The switch offers what interaction_models/ holds; the page starts in English.
    expect(page.locator("#language")).to_have_text("Active: English (en-US)")
    expect(page.locator(f"#locale option[value={locale}]")).to_have_text(
        f"{alexa.name} ({locale})")
    page.select_option("#locale", locale)
    expect(page.locator("[data-testid=language-switched]")).to_have_count(1)
    expect(page.locator("#language")).to_have_text(f"Active: {alexa.name} ({locale})")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator("#utterance")).to_have_attribute("placeholder", said.open.lower())

    def ours(reply) -> str:
        text = reply.inner_text()
        assert not english.search(text), text
        return text

    understood = page.locator("[data-testid=understood]")
    launch = say(page, said.open)
    expect(launch).to_have_text(line_pattern(say_it, "launch.new"))
    ours(launch)
    expect(understood.last).to_contain_text("LaunchRequest")
    page.locator("#dev-turns details").last.locator("summary").click()
    expect(page.locator("#dev-turns details").last.locator("pre.request")).to_contain_text(
        f'"locale": "{locale}"')

    # A one-minute session: Alexa asks for timers in the language, and hears its yes.
    asked = say(page, said.start_one)
    expect(understood.last).to_contain_text('StartSessionIntent duration="PT1M"')
    expect(asked).to_have_text(line_pattern(say_it, "permission.ask"))
    expect(page.locator("#permission-question")).to_have_text(
        "Alexa: " + alexa.alexa_says("alexa_timers.question", name))
    started = say(page, said.yes)
    expect(started).to_contain_text(
        line_pattern(say_it, "start.started", length=say_it.count("length", 1)))
    ours(started)
    expect(page.locator(".alexa-own").last).to_have_text(
        "Alexa: " + alexa.alexa_says("alexa_timers.allowed", name))
    expect(page.locator("#timers .timer")).to_have_count(1)

    left = say(page, said.ask_time_left)
    expect(understood.last).to_contain_text("TimeLeftIntent")
    expect(left).to_contain_text(line_pattern(say_it, "time_left.running"))
    ours(left)

    safety = say(page, said.pregnant)
    expect(understood.last).to_contain_text("CheckSafetyIntent")
    expect(understood.last).to_contain_text("PREGNANCY")
    expect(safety).to_contain_text(line_pattern(say_it, "safety.condition.PREGNANCY"))
    ours(safety)

    # On the fast clock the minute runs out within seconds, announced in the language.
    page.check("#fast-clock")
    remaining = page.locator("#timers .timer .remaining")
    expect(remaining).to_have_text(re.compile(r"^0:[0-5]\d$"))
    announcement = page.locator("[data-testid=timer]")
    expect(announcement).to_have_count(1)
    expect(announcement).to_contain_text(line_pattern(say_it, "timer.announce"))
    expect(page.locator("#timers .timer")).to_have_count(0)
    page.uncheck("#fast-clock")

    # A weekly reminder, allowed with the button as in English.
    asked = say(page, said.weekly)
    monday, friday = said.weekly_days
    expect(understood.last).to_contain_text(
        f'days=["{monday}" (id MONDAY), "{friday}" (id FRIDAY)], time="19:00"')
    expect(asked).to_have_text(line_pattern(say_it, "reminders.permission.ask"))
    expect(page.locator("#permission-question")).to_have_text(
        "Alexa: " + alexa.alexa_says("alexa_reminders.question", name))
    replies = page.locator("[data-testid=reply]").count()
    page.click("#allow")
    expect(page.locator("[data-testid=reply]")).to_have_count(replies + 1)
    done = page.locator("[data-testid=reply]").last
    days, time = spoken.weekly_said
    when = say_it.text("reminders.when", days=days, time=time)
    expect(done).to_contain_text(line_pattern(say_it, "reminders.set", when=when))
    ours(done)
    reminder = page.locator("#reminders .reminder")
    expect(reminder).to_have_count(1)
    expect(reminder.locator(".time")).to_have_text("19:00")
    page.screenshot(path=str(shots / f"try-{spoken.code}.png"))


# --- an Echo Show's screen ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def show_page_url() -> Iterator[str]:
    """A try-out with a new user of its own, for the device with a screen."""
    with TryOut(voice_seed=11) as tryout:
        yield tryout.page_url


def test_a_show_screen_counts_down_and_its_buttons_start_a_session(
        show_page_url: str, tmp_path: Path, shots: Path) -> None:
    with browser_tab(show_page_url, tmp_path / "profile") as page:
        screen = page.locator("#screen")
        expect(page.locator("#screen-box")).to_be_hidden()  # an Echo Dot has no screen
        page.select_option("#device", "echo-show-8")
        expect(page.locator("[data-testid=device-switched]")).to_have_count(1)

        say(page, "open mat coach")
        expect(screen).to_have_attribute("data-screen", "welcome")
        expect(screen).to_contain_text("Mat Coach")
        replies = page.locator("[data-testid=reply]")
        before = replies.count()
        screen.locator("button", has_text="safe").click()  # a touch is answered as speech
        expect(replies).to_have_count(before + 1)
        expect(page.locator("[data-testid=touched]")).to_have_count(1)
        expect(screen).to_have_attribute("data-screen", "answer")
        expect(screen).to_contain_text("doctor")

        # A one-minute session on the fast clock: the screen's countdown runs by itself.
        say(page, "start a one minute session")
        page.click("#allow")
        expect(screen).to_have_attribute("data-screen", "session")
        countdown = screen.locator("[data-apl-id=countdown]")
        expect(countdown).to_have_text(re.compile(r"^[01]:[0-5]\d$"))
        page.check("#fast-clock")
        first = countdown.inner_text()
        expect(countdown).not_to_have_text(first)  # ticking on the page's clock
        expect(countdown).to_have_text(re.compile(r"^0:[0-5]\d$"))
        page.screenshot(path=str(shots / "try-show-countdown.png"))
        expect(countdown).to_have_text("0:00")
        expect(page.locator("[data-testid=timer]")).to_have_count(1)  # the end timer spoke
        page.uncheck("#fast-clock")

        # The welcome's start button starts the usual session by touch.
        say(page, "open mat coach")
        expect(screen).to_have_attribute("data-screen", "welcome")
        before = replies.count()
        screen.locator("button", has_text="Start").click()
        expect(replies).to_have_count(before + 1)
        expect(screen).to_have_attribute("data-screen", "session")
        expect(page.locator("#timers .timer")).to_have_count(1)
        expect(countdown).to_have_text(re.compile(r"^\d+:[0-5]\d$"))
        page.screenshot(path=str(shots / "try-show-touched.png"))

        # Starting over: a new user, whose welcome is a newcomer's; every bar says what it is.
        page.click("#start-over")
        expect(page.locator("[data-testid=started-over]")).to_have_count(1)
        expect(page.locator("#timers .timer")).to_have_count(0)
        expect(say(page, "open mat coach")).to_contain_text("Welcome to Mat Coach")
        expect(page.locator("#ring-label")).to_contain_text("Device light")


def test_the_screen_adapts_to_a_round_device(show_page_url: str, tmp_path: Path) -> None:
    """The documents' viewport conditions, as the page draws them: a row of buttons on an
    Echo Show, a column inside the circle of a round screen."""
    with browser_tab(show_page_url, tmp_path / "profile") as page:
        screen = page.locator("#screen")
        rows = {}
        for device in ("echo-show-8", "echo-spot"):
            page.select_option("#device", device)
            say(page, "open mat coach")
            expect(screen).to_have_attribute("data-screen", "welcome")
            boxes = [button.bounding_box() for button in screen.locator("button").all()]
            assert len(boxes) == 3
            rows[device] = len({round(box["y"]) for box in boxes})
        assert rows == {"echo-show-8": 1, "echo-spot": 3}
        expect(screen).to_have_class(re.compile(r"\bround\b"))
