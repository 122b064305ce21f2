"""Run by ``clerk doctor`` in a child process: start a QApplication on the chosen platform
plug-in, find the UI font, ask whether the sound library loads; print one JSON line.

If the plug-in cannot load, Qt aborts this process with its own message on stderr — which is
exactly what the parent reports.
"""
from __future__ import annotations

import json
import sys


def main() -> int:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from PySide6.QtGui import QFontDatabase

    from .style import cjk_family
    from .voice import audio_problem

    system = set(QFontDatabase.families())   # before the bundled font may be registered
    family = cjk_family()
    bundled = bool(family) and family not in system
    problem = audio_problem()
    engines: list[str] = []
    if not problem:
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech

            engines = [e for e in QTextToSpeech.availableEngines() if e != "mock"]
        except ImportError:
            engines = []
    report = {"started": True, "platform": app.platformName(), "font": family,
              "font_bundled": bundled, "audio_problem": problem, "tts_engines": engines}
    print(json.dumps(report, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
