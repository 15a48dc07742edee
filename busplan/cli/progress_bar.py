"""A one-line progress bar on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO


class ProgressBar:
    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.enabled = stream.isatty()
        self.started = time.monotonic()

    def __call__(self, phase: str, progress: float, message: str, extra: Mapping[str, Any]) -> bool:
        if self.enabled:
            filled = int(self.width * progress / 100)
            bar = "#" * filled + "-" * (self.width - filled)
            elapsed = time.monotonic() - self.started
            line = f"\r[{bar}] {progress:5.1f}% {elapsed:6.1f}s {phase}: {message}"
            self.stream.write(line[:120].ljust(120))
            if phase == "completed":
                self.stream.write("\n")
            self.stream.flush()
        return False
