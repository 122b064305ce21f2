"""``clerk devices …``: each driver family adds its own sub-commands from its own module."""
from __future__ import annotations

import argparse
import importlib

# Modules with an ``add_commands(subparsers)`` function.
COMMAND_MODULES = ("devices.idcard_cli", "devices.printer_cli", "devices.scan_cli", "devices.settings_cli")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devices", help="设备：读卡器、打印机、扫描仪 devices")
    dsub = p.add_subparsers(dest="device_command", metavar="DEVICE_COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(dsub)
