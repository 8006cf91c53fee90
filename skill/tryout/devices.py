"""The devices the try-out page can be: what each tells the skill about its screen.

Alexa describes a device's screen in every request: `supportedInterfaces` names APL when the
device renders it, and `context.Viewport` gives its shape, size in pixels, density and mode
(`HUB` for an Echo Show, `TV` for a television). The page's device switch and the tests send
exactly these, so the skill is tried against the screens it will meet: a round small screen,
small, medium and large Echo Shows, and a TV. The Echo Dot has no screen and says nothing.
"""

from __future__ import annotations

from typing import NamedTuple

#: The newest APL version these devices render (what a current Echo Show reports).
APL_VERSION = "2024.2"


class Screen(NamedTuple):
    """A device's screen as Alexa reports it."""

    shape: str  # "RECTANGLE" or "ROUND"
    width: int  # pixels
    height: int
    dpi: int
    mode: str = "HUB"  # "HUB" or "TV"


#: Every device the page offers, by the name it sends; None: no screen at all.
DEVICES: dict[str, Screen | None] = {
    "echo-dot": None,
    "echo-spot": Screen("ROUND", 480, 480, 160),
    "echo-show-5": Screen("RECTANGLE", 960, 480, 160),
    "echo-show-8": Screen("RECTANGLE", 1280, 800, 160),
    "echo-show-15": Screen("RECTANGLE", 1920, 1080, 160),
    "fire-tv": Screen("RECTANGLE", 1920, 1080, 320, "TV"),
}
DEFAULT_DEVICE = "echo-dot"


def screen_context(device: str | None) -> tuple[dict, dict | None]:
    """The `supportedInterfaces` and `Viewport` a request from `device` carries (a device
    without a screen, or one not known: no interfaces, no viewport)."""
    screen = DEVICES.get(device or DEFAULT_DEVICE)
    if screen is None:
        return {}, None
    interfaces = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": APL_VERSION}}}
    viewport = {
        "experiences": [{"canRotate": False, "canResize": False}],
        "mode": screen.mode,
        "shape": screen.shape,
        "pixelWidth": screen.width,
        "pixelHeight": screen.height,
        "currentPixelWidth": screen.width,
        "currentPixelHeight": screen.height,
        "dpi": screen.dpi,
        "touch": ["SINGLE"] if screen.mode == "HUB" else [],
        "keyboard": ["DIRECTION"] if screen.mode == "TV" else [],
    }
    return interfaces, viewport
