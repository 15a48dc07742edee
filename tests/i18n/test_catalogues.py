"""One catalogue per language: the same keys, the same placeholders, every word used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from busplan.i18n import LANGS, UnknownLanguage, catalogue, resolve, words

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(value: object) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in PLACEHOLDER.findall(str(text))}


@pytest.mark.parametrize("lang", ["gl", "es"])
def test_every_language_has_every_key_with_the_same_placeholders(lang: str) -> None:
    english, other = catalogue("en"), catalogue(lang)
    assert set(other) == set(english), set(other) ^ set(english)
    for key, value in english.items():
        assert placeholders(other[key]) == placeholders(value), (lang, key)
        assert isinstance(other[key], dict) == isinstance(value, dict), (lang, key)


@pytest.mark.parametrize("lang", LANGS)
def test_no_empty_words_and_plurals_have_both_forms(lang: str) -> None:
    for key, value in catalogue(lang).items():
        if isinstance(value, dict):
            assert set(value) == {"one", "other"}, (lang, key)
            assert all(v.strip() for v in value.values()), (lang, key)
        else:
            assert isinstance(value, str) and value.strip(), (lang, key)


def keys_in_code() -> set[str]:
    """Every key the page, the exports and the command line ask for by name."""
    found: set[str] = set()
    js = re.compile(r"""\bt\(\s*"([a-z_]+\.[A-Za-z0-9_]+)\"""")
    py = re.compile(r"""\bw\(\s*(?:f?)"([a-z_]+\.[A-Za-z0-9_]+)\"""")
    for path in (ROOT / "busplan" / "web" / "js").rglob("*.js"):
        found |= set(js.findall(path.read_text()))
    for path in (ROOT / "busplan").rglob("*.py"):
        found |= set(py.findall(path.read_text()))
    html = (ROOT / "busplan" / "web" / "index.html").read_text()
    found |= set(re.findall(r'data-i18n(?:-label)?="([^"]+)"', html))
    return found


def test_every_key_the_code_names_is_in_the_catalogues() -> None:
    used = keys_in_code()
    assert len(used) > 200
    missing = sorted(used - set(catalogue("en")))
    assert not missing, missing


def test_words_fill_placeholders_and_choose_plurals() -> None:
    gl = words("gl")
    assert gl("count.trips", count=1) == "1 expedición"
    assert gl("count.trips", count=3) == "3 expedicións"
    assert words("es")("count.buses", count=2) == "2 autobuses"
    assert gl.day("Mc") == "Mércores" and gl.day_in_text("Mc") == "mércores"
    assert words("es").day("X") == "Jueves"


def test_numbers_and_durations_as_each_language_writes_them() -> None:
    gl, en = words("gl"), words("en")
    assert gl.number(1.5) == "1,5" and en.number(1.5) == "1.5"
    assert gl.minutes(727 * 60) == "12 h 07 min"
    assert gl.minutes(90) == "1,5 min"
    assert en.signed_minutes(-300) == "-5 min" and en.signed_minutes(600) == "+10 min"
    assert gl.clock(14 * 3600 + 5 * 60) == "14:05"


def test_language_from_option_then_locale_then_english() -> None:
    assert resolve("gl", {"LANG": "es_ES.UTF-8"}) == "gl"
    assert resolve(None, {"LANG": "es_ES.UTF-8"}) == "es"
    assert resolve(None, {"LC_ALL": "gl_ES.UTF-8", "LANG": "es_ES"}) == "gl"
    assert resolve(None, {"LANGUAGE": "gl:es", "LANG": "es_ES"}) == "gl"
    assert resolve(None, {"LANG": "fr_FR.UTF-8"}) == "en"
    assert resolve(None, {"LANG": "C.UTF-8"}) == "en"
    assert resolve(None, {}) == "en"
    with pytest.raises(UnknownLanguage):
        resolve("fr", {})


def test_catalogues_are_package_data() -> None:
    """`pip install .` ships the catalogue files with the package."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"web/**/*"' in text
    for lang in LANGS:
        assert (ROOT / "busplan" / "web" / "i18n" / f"{lang}.json").is_file()


def test_every_import_warning_has_words() -> None:
    """The importer classifies its notes by code; the UI says each in the page's language."""
    codes: set[str] = set()
    for path in (ROOT / "busplan" / "io").rglob("*.py"):
        codes |= set(re.findall(r'\bcode="([a-z_]+)"', path.read_text()))
    assert {"no_frequency", "arrives_after_start", "stops_reversed"} <= codes
    english = catalogue("en")
    assert not [c for c in codes if f"warn.{c}" not in english]


def test_every_rejection_reason_has_words() -> None:
    from busplan.io.import_report import Reason

    english = catalogue("en")
    assert not [r.value for r in Reason if f"reject.{r.value}" not in english]
