"""The hand-made English→Vietnamese glossary of administrative-reform terms: one reader for every user."""

from __future__ import annotations

import unicodedata
from pathlib import Path

# The Vietnamese side of the hand-made English→Vietnamese glossary of administrative-reform terms (see
# search/crosslingual.py): clean in-domain phrasing for the restoration LM.
DOMAIN_GLOSSARY = Path(__file__).parent / "data" / "en_vi_glossary.tsv"


def glossary_pairs(path: Path = DOMAIN_GLOSSARY) -> list[tuple[str, str]]:
    """(english, vietnamese) rows of a tab-separated glossary; `#` lines are comments, Vietnamese comes out NFC."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, vietnamese = line.split("\t", 1)
            rows.append((english, unicodedata.normalize("NFC", vietnamese.strip())))
    return rows


def domain_phrases() -> list[str]:
    """Distinct Vietnamese phrases of the domain glossary."""
    return list(dict.fromkeys(vietnamese for _, vietnamese in glossary_pairs()))
