"""Words for people in Galician, Spanish or English, for the command line and the exports.

There is one catalogue per language, `busplan/web/i18n/{lang}.json`: the browser loads the same
files as they are, so the page, the printed timetables and the command line use the same words.
A value is a string with `{name}` placeholders, or an object with "one" and "other" forms
chosen by the `count` parameter.

The core speaks codes and numbers (and English to programmers); only the edges translate.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from busplan.core.units import format_clock

LANGS: tuple[str, ...] = ("gl", "es", "en")
DEFAULT = "en"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_DECIMAL_COMMA = {"gl", "es"}


class UnknownLanguage(ValueError):
    """A language busplan has no catalogue for."""


def normalize(tag: str | None) -> str | None:
    """A language tag or POSIX locale ("gl", "gl-ES", "es_ES.UTF-8") -> "gl", "es", "en" or
    None when busplan does not speak it."""
    if not tag:
        return None
    base = re.split(r"[-_.@]", tag.strip().lower(), maxsplit=1)[0]
    return base if base in LANGS else None


def resolve(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The language to speak: `explicit` (a --lang option) if given, else the locale of the
    environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, as gettext reads them), else English."""
    if explicit:
        lang = normalize(explicit)
        if lang is None:
            raise UnknownLanguage(f"unknown language {explicit!r}: use one of {', '.join(LANGS)}")
        return lang
    env = os.environ if env is None else env
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        if name != "LANGUAGE" and (value in ("C", "POSIX") or value.startswith("C.")):
            return DEFAULT
        for part in value.split(":"):
            lang = normalize(part)
            if lang:
                return lang
        if name != "LANGUAGE":
            return DEFAULT
    return DEFAULT


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The catalogue of `lang` (read once)."""
    if lang not in LANGS:
        raise UnknownLanguage(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    text = resources.files("busplan").joinpath("web", "i18n", f"{lang}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class Words:
    """The words of one language: `words("pdf.title", name=...)`, plus the numbers, durations,
    times and day names as that language writes them."""

    def __init__(self, lang: str = DEFAULT) -> None:
        self.lang = lang
        self.messages = catalogue(lang)

    def __call__(self, key: str, **params: Any) -> str:
        value = self.messages[key]
        if isinstance(value, dict):
            value = value["one"] if params.get("count") == 1 else value["other"]
        text = str(value)

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in params:
                return match.group(0)
            param = params[name]
            if isinstance(param, float) or (isinstance(param, int) and not isinstance(param, bool)):
                return self.number(param)
            return str(param)

        return _PLACEHOLDER.sub(fill, text)

    def number(self, value: float, decimals: int = 1) -> str:
        """1.5 -> "1,5" in Galician and Spanish; whole numbers without decimals."""
        if float(value).is_integer():
            return str(int(value))
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if self.lang in _DECIMAL_COMMA else text

    def day(self, code: str) -> str:
        key = f"day.{code}"
        return str(self.messages[key]) if key in self.messages else code

    def day_in_text(self, code: str) -> str:
        """A day's name inside a sentence: Galician and Spanish write it in small letters."""
        return self.day(code) if self.lang == "en" else self.day(code).lower()

    def days_in_text(self, codes: list[str] | tuple[str, ...]) -> str:
        return ", ".join(self.day_in_text(c) for c in codes)

    def day_short(self, code: str) -> str:
        key = f"day_short.{code}"
        return str(self.messages[key]) if key in self.messages else code

    def days(self, codes: list[str] | tuple[str, ...]) -> str:
        return ", ".join(self.day(c) for c in codes)

    def minutes(self, seconds: int) -> str:
        """A duration: "45 min", "1 h 05 min"; seconds show as a decimal of a minute."""
        if abs(seconds) < 3600 or seconds % 60:
            return self("duration.minutes", m=self.number(seconds / 60))
        sign = "-" if seconds < 0 else ""
        h, m = divmod(abs(seconds) // 60, 60)
        return self("duration.hours", h=f"{sign}{h}", m=f"{m:02d}")

    def percent(self, share: float) -> str:
        """A share as a percentage with one decimal: 0.9842 -> "98,4 %" in Galician."""
        return self("figure.percent", value=self.number(round(share * 100, 1)))

    def signed_minutes(self, seconds: int) -> str:
        """A shift with its sign: "+5 min", "-3 min", "0 min"."""
        value = self.number(abs(seconds) / 60)
        sign = "+" if seconds > 0 else "-" if seconds < 0 else ""
        return self("duration.minutes", m=f"{sign}{value}")

    def clock(self, seconds: int) -> str:
        """A time of day on the 24-hour clock, "07:45" (all three languages write it so)."""
        return format_clock(seconds)

    def kind(self, kind: str) -> str:
        return self(f"kind.{kind}")


def words(lang: str | None = None) -> Words:
    """The words of `lang` (a code or tag; None: English)."""
    code = normalize(lang) if lang else DEFAULT
    if code is None:
        raise UnknownLanguage(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return Words(code)
