"""Typed device errors. ``message`` is what the clerk reads; the job that failed is kept."""
from __future__ import annotations

from clerk.errors import ClerkError


class DeviceError(ClerkError):
    """A device could not do what was asked."""


class DeviceNotFound(DeviceError):
    """The port or device is not there (unplugged, wrong URL)."""


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""


class ProtocolError(DeviceError):
    """The device answered with bytes we cannot accept (torn frame, bad checksum)."""


class WrongDevice(ProtocolError):
    """Bytes keep arriving but none of them is our protocol: another device is on this port
    (a GPS streaming NMEA text, a modem, a barcode gun …)."""
