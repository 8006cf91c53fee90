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
#: What the page's device switch calls each device.
LABELS = {
    "echo-dot": "Echo Dot (no screen)",
    "echo-spot": "Echo Spot (round, 480x480)",
    "echo-show-5": "Echo Show 5 (960x480)",
    "echo-show-8": "Echo Show 8 (1280x800)",
    "echo-show-15": "Echo Show 15 (1920x1080)",
    "fire-tv": "Fire TV (1920x1080)",
}


def described() -> list[dict]:
    """Every device as the page offers it: its name, label, and screen (None: no screen).

    The screen is given in APL's terms as well (`viewport`: shape, mode and size in dp, one
    dp being a pixel at 160 dpi), which is what the documents' conditions read.
    """
    devices = []
    for name, screen in DEVICES.items():
        viewport = None
        if screen is not None:
            viewport = {"shape": screen.shape.lower(), "mode": screen.mode.lower(),
                        "pixelWidth": screen.width, "pixelHeight": screen.height,
                        "dpi": screen.dpi, "width": screen.width * 160 // screen.dpi,
                        "height": screen.height * 160 // screen.dpi}
        devices.append({"name": name, "label": LABELS[name], "viewport": viewport})
    return devices


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
