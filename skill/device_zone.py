"""The device's time zone, which decides where a user's week starts.

Read through the Alexa settings API (`System.timeZone`), cached per device for an hour in a
bounded map so a busy endpoint does not ask again on every request; UTC when it fails.
`zoneinfo` is imported when a zone name first arrives, not with this module: a cold start
that answers a new user, or explains the mat, never needs it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import UTC, tzinfo

from ask_sdk_core.handler_input import HandlerInput

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600
CACHE_SIZE = 4096

_cache: OrderedDict[str, tuple[float, tzinfo]] = OrderedDict()
_lock = threading.Lock()


def _remember(device_id: str, zone: tzinfo) -> None:
    with _lock:
        _cache[device_id] = (time.monotonic() + CACHE_SECONDS, zone)
        _cache.move_to_end(device_id)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _cached(device_id: str) -> tzinfo | None:
    with _lock:
        hit = _cache.get(device_id)
        if hit is None or hit[0] < time.monotonic():
            return None
        _cache.move_to_end(device_id)
        return hit[1]


def clear_cache() -> None:
    """Forget cached zones (tests change a device's zone between requests)."""
    with _lock:
        _cache.clear()


def _device_id(handler_input: HandlerInput) -> str | None:
    try:
        return handler_input.request_envelope.context.system.device.device_id
    except AttributeError:
        return None


def known_zone(handler_input: HandlerInput) -> tzinfo | None:
    """The zone when it needs no API call (cached, or UTC for a request that cannot ask);
    None when `device_zone` would have to ask the settings API."""
    device_id = _device_id(handler_input)
    if not device_id or handler_input.service_client_factory is None:
        return UTC
    return _cached(device_id)


def device_zone(handler_input: HandlerInput) -> tzinfo:
    """The zone of the device that sent this request; UTC if it cannot be read.

    Safe on a worker thread: it only reads the request, and the cache has its own lock.
    """
    zone = known_zone(handler_input)
    if zone is not None:
        return zone
    device_id = _device_id(handler_input)
    factory = handler_input.service_client_factory
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        name = factory.get_ups_service().get_system_time_zone(device_id)
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        log.info("device time zone unusable (%s); using UTC", type(exc).__name__)
        zone = UTC
    except Exception as exc:  # API down, no permission, timeout: weeks in UTC still work
        log.info("device time zone unavailable (%s); using UTC", type(exc).__name__)
        return UTC
    _remember(device_id, zone)
    return zone
