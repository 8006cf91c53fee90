"""Start everything `mat-coach try` needs, on loopback, and stop it again.

Three servers, each on 127.0.0.1:

* **the skill** — the production Flask app (`skill.web.create_app`) with request verification
  ON, trusting only this run's throwaway root, on the embedded SQLite store;
* **the local Alexa** — Timers, Reminders and settings APIs over HTTPS, with a certificate from
  the same root, so the skill's ordinary API client reaches it as it reaches Amazon;
* **the device page** — the page a person uses, and its small JSON API (`skill.tryout.page`).

Nothing here is reachable from `mat-coach serve`: the production app never imports this package.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug import Request
from werkzeug.serving import BaseWSGIServer, make_server

from skill.tryout.alexa import LocalAlexa
from skill.tryout.clock import TryClock
from skill.tryout.device import SKILL_ID, Device
from skill.tryout.model import available_locales
from skill.tryout.signing import LocalCA
from skill.tryout.understanding import Understanding

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"


def local_zone() -> str:
    """This machine's IANA time zone name, for the local Alexa's settings API (else UTC)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name and "/" in name:
        return name
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else "UTC"


@dataclass
class _Served:
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _serve(app: object, port: int = 0, host: str = LOOPBACK, ssl_context: object = None,
           ) -> _Served:
    server = make_server(host, port, app, threaded=True,  # type: ignore[arg-type]
                         ssl_context=ssl_context)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True,
                              name=f"mat-coach-try:{server.server_port}")
    thread.start()
    return _Served(server, thread)


class TryOut:
    """The skill, a local Alexa and the device page; `start()` then `stop()` (or `with`).

    The device starts in `locale` and can switch to any locale that has a model and word rules
    (`available_locales`, read once at start)."""

    def __init__(self, *, port: int = 0, host: str = LOOPBACK, store_url: str | None = None,
                 fast: bool = False, locale: str = "en-US", voice_seed: int | None = None,
                 zone: str | None = None, page: bool = True, device: str | None = None,
                 ) -> None:
        self.port = port
        self.host = host
        self.store_url = store_url
        self.locale = locale
        self.voice_seed = voice_seed
        #: The device's time zone (the settings API's answer): this machine's unless named.
        self.zone = zone or local_zone()
        #: Whether to serve the device page (the console talks to the device directly).
        self.serve_page = page
        #: The device at start (`skill.tryout.devices`): None, the Echo Dot.
        self.start_device = device
        self.clock = TryClock(fast=fast)
        self.workdir = Path(tempfile.mkdtemp(prefix="mat-coach-try-"))
        self._served: list[_Served] = []
        self.device: Device | None = None
        self.page_url = ""
        self.skill_url = ""

    def start(self) -> str:
        """Start the three servers; returns the device page's URL."""
        from skill.builder import build_skill
        from skill.settings import Settings
        from skill.tryout.page import create_page_app
        from skill.web import create_app
        from skill.web.verifier import RequestVerifier

        # One access line per poll of the page (four a second) would bury everything else.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        os.chmod(self.workdir, 0o700)
        ca = LocalCA()
        root = self.workdir / "root.pem"
        root.write_bytes(ca.root_pem)
        chain, key = ca.server_files()
        (self.workdir / "alexa.pem").write_bytes(chain)
        key_file = self.workdir / "alexa.key"
        key_file.touch(0o600)
        key_file.write_bytes(key)

        alexa = LocalAlexa(clock=self.clock.utc, wall=TryClock.wall_utc, zone=self.zone)
        alexa_server = _serve(Request.application(alexa.handle),  # type: ignore[arg-type]
                              ssl_context=(str(self.workdir / "alexa.pem"), str(key_file)))
        self._served.append(alexa_server)
        api_origin = f"https://{LOOPBACK}:{alexa_server.port}"

        store = self.store_url or f"sqlite://{self.workdir / 'mat-coach-try.db'}"
        settings = Settings.from_env(skill_id=SKILL_ID, store_url=store, ca_bundle=str(root),
                                     verify_requests=True, voice_seed=self.voice_seed)
        skill = build_skill(settings, clock=self.clock.time)
        chain_pem = ca.signer.chain_pem
        # The URL still passes Amazon's rules (s3.amazonaws.com/echo.api/...); only the
        # download is local, so the verifier's every check runs as in production.
        verifier = RequestVerifier(skill_id=SKILL_ID, ca_bundle=str(root),
                                   fetch=lambda url: chain_pem)
        skill_server = _serve(create_app(settings, skill=skill, verifier=verifier))
        self._served.append(skill_server)
        self.skill_url = f"http://{LOOPBACK}:{skill_server.port}/"

        self.device = Device(endpoint=self.skill_url, api_origin=api_origin, signer=ca.signer,
                             understanding=Understanding.for_locale(self.locale), alexa=alexa,
                             clock=self.clock, locale=self.locale, locales=available_locales())
        if self.start_device:
            self.device.switch_device(self.start_device)
        if not self.serve_page:
            return ""
        page = _serve(create_page_app(self.device), port=self.port, host=self.host)
        self._served.append(page)
        self.page_url = f"http://{self.host}:{page.port}/"
        log.info("device page on %s (skill endpoint %s, verification on; local Alexa %s)",
                 self.page_url, self.skill_url, api_origin)
        return self.page_url

    def stop(self) -> None:
        for served in reversed(self._served):
            served.stop()
        self._served.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def wait(self) -> None:
        """Block until interrupted (Ctrl-C): the page's server runs until then."""
        if self._served:
            self._served[-1].thread.join()

    def __enter__(self) -> TryOut:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
