"""Lambda SnapStart: build the skill while the snapshot is taken, and un-share it on restore.

With the template's `SnapStart` parameter on, Lambda runs the function's init phase once per
published version, snapshots its memory, and starts new containers from that snapshot. So:

* during that init (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`) the handler builds the skill
  at import, so the snapshot holds the imported modules and the built skill - the part of a
  cold start that SnapStart can save;
* every restored copy resumes with the same memory, so anything that must differ between
  copies, or that holds a connection made before the snapshot, is reset after restore
  (`after_restore`, registered with the runtime's `snapshot_restore_py` when it exists):
  the `random` module's state is reseeded (spoken variants come from `os.urandom`, fresh in
  every copy already), open HTTP sessions to the Alexa APIs and the store's client (a boto3
  resource, an SQLite connection) are dropped and opened again on first use, and the device
  time-zone cache, which holds answers fetched by one copy, is emptied.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from skill import device_zone

log = logging.getLogger(__name__)

#: `AWS_LAMBDA_INITIALIZATION_TYPE` while Lambda initialises a version for its snapshot.
SNAPSHOT_INIT = "snap-start"


def snapshot_init(environ: dict[str, str] | None = None) -> bool:
    """Whether this process is the init phase whose memory SnapStart will snapshot."""
    env = os.environ if environ is None else environ
    return env.get("AWS_LAMBDA_INITIALIZATION_TYPE") == SNAPSHOT_INIT


def after_restore(skill: object) -> None:
    """Make a restored copy its own: fresh randomness, no connections or answers from before."""
    random = sys.modules.get("random")
    if random is not None:
        random.seed()  # from os.urandom, different in every copy
    api_client = getattr(skill, "api_client", None)
    drop = getattr(api_client, "drop_connections", None)
    if drop is not None:
        drop()
    services = getattr(skill, "services", None)
    if services is not None:
        services.reopen_store()
    device_zone.clear_cache()


def register_after_restore(hook: Callable[[], None]) -> bool:
    """Register `hook` with the Lambda runtime's restore hooks; False where there are none
    (not on Lambda, or a runtime without SnapStart)."""
    try:
        from snapshot_restore_py import register_after_restore as register
    except ImportError:
        return False
    register(hook)
    return True
