"""Sheet and header names as the workbooks spell them: accents, case, spacing and language vary.

Names are compared as normalized word lists. A field matches a header exactly first; only a
header left unmatched may match by containing all the words of an alias, so a loose match can
never take a column that an exact match claims.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

_NON_WORD = re.compile(r"[^0-9a-z]+")


def words(text: object) -> tuple[str, ...]:
    """Lower-case ASCII words of a name: "Código  Ruta (*)" -> ("codigo", "ruta")."""
    if text is None:
        return ()
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return tuple(w for w in _NON_WORD.split(plain) if w)


def normalize(text: object) -> str:
    return " ".join(words(text))


def match_columns(
    headers: Sequence[str], fields: Mapping[str, Sequence[str]]
) -> tuple[dict[str, int], list[str]]:
    """Column index for each field found among `headers`, and a note on every match that was
    not exact (so a reader can see which column stood in for which header).

    `fields` maps a field to its aliases (any spelling; they are normalized here).
    """
    names = [words(h) for h in headers]
    aliases = {f: [words(a) for a in spellings] for f, spellings in fields.items()}
    found: dict[str, int] = {}
    taken: set[int] = set()
    for field, spellings in aliases.items():
        for col, name in enumerate(names):
            if col not in taken and name and name in spellings:
                found[field] = col
                taken.add(col)
                break
    notes: list[str] = []
    for field, spellings in aliases.items():
        if field in found:
            continue
        candidates = [
            (len(name) - len(alias), col)
            for col, name in enumerate(names)
            if col not in taken and name
            for alias in spellings
            if set(alias) <= set(name)
        ]
        if not candidates:
            continue
        candidates.sort()
        best = candidates[0]
        rivals = sorted({c for extra, c in candidates if extra == best[0]})
        wanted = fields[field][0]
        if len(rivals) > 1:
            listed = ", ".join(f'"{headers[c]}"' for c in rivals)
            notes.append(f'several columns fit "{wanted}" ({listed}); using "{headers[best[1]]}"')
        else:
            notes.append(f'column "{headers[best[1]]}" read as "{wanted}"')
        found[field] = best[1]
        taken.add(best[1])
    return found, notes
