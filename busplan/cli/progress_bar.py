"""A one-line progress bar on stderr, shown only when stderr is a terminal.

The solver reports its phase by code and a message in English: the bar names the phase in the
chosen language, and adds the solver's own message only in English.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

from busplan.i18n import Words
from busplan.i18n import words as default_words


class ProgressBar:
    def __init__(
        self, stream: TextIO = sys.stderr, width: int = 30, words: Words | None = None
    ) -> None:
        self.words = words or default_words()
        self.stream = stream
        self.width = width
        self.enabled = stream.isatty()
        self.started = time.monotonic()

    def __call__(self, phase: str, progress: float, message: str, extra: Mapping[str, Any]) -> bool:
        if self.enabled:
            filled = int(self.width * progress / 100)
            bar = "#" * filled + "-" * (self.width - filled)
            elapsed = time.monotonic() - self.started
            line = f"\r[{bar}] {progress:5.1f}% {elapsed:6.1f}s {self.describe(phase, message)}"
            self.stream.write(line[:120].ljust(120))
            if phase == "completed":
                self.stream.write("\n")
            self.stream.flush()
        return False

    def describe(self, phase: str, message: str) -> str:
        """The phase in words; in English, followed by the solver's own message."""
        key = f"phase.{phase}"
        named = self.words(key) if key in self.words.messages else phase
        if self.words.lang == "en" and message:
            return f"{named}: {message}"
        return named
