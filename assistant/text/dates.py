"""The one date grammar: Vietnamese dates as written ("ngày 06 tháng 02 năm 2023", "23/12/2022"), on folded text."""

from __future__ import annotations

import datetime
import re

# OCR reads "ngày/tháng/năm" as "ngay", "thang", "nim", "ndm"; days and months may be glued to the word.
_DAY = r"ng\w{0,2}y"
_MONTH = r"th\w{1,3}ng"
_YEAR_WORD = r"n\w{1,2}m"
YEAR = r"(?:19|20)\d\d"
# Day, month and year as numbers: "23/12/2022", "23-12-2022", "23.12.2022" (spaces allowed around separators).
NUMERIC = rf"(\d{{1,2}})\s*[/.-]\s*(\d{{1,2}})\s*[/.-]\s*({YEAR})(?!\d)"
# Spelled with words: "06 tháng 02 năm 2023" (a comma may follow the day in portal text).
WORDS = rf"(\d{{1,2}})\s*,?\s+{_MONTH}\s*(\d{{1,2}})\s*,?\s+{_YEAR_WORD}\s*({YEAR})(?!\d)"
DATE_NUMERIC = re.compile(rf"{_DAY}\s*{NUMERIC}")
DATE_WORDS = re.compile(rf"{_DAY}\s*{WORDS}")
# Any date, with or without "ngày": three groups (day, month, year) in either alternative.
ANY_DATE = re.compile(rf"(?<![\d/.-])(?:{NUMERIC}|(?:{_DAY}\s*)?{WORDS})")


def iso_date(year: int, month: int, day: int) -> str | None:
    """ISO string when the triple is a real calendar date."""
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def match_iso(m: re.Match[str]) -> str | None:
    """ISO date of a match of DATE_NUMERIC, DATE_WORDS or ANY_DATE."""
    groups = [g for g in m.groups() if g is not None]
    if len(groups) < 3:
        return None
    day, month, year = (int(g) for g in groups[-3:])
    return iso_date(year, month, day)


def parse_date_at(folded: str, pos: int) -> tuple[str, int] | None:
    """ISO date stated right at `pos` ("ngày 23/12/2022", "ngày 06 tháng 02 năm 2023") and its folded end."""
    m = re.compile(r"\s*,?\s*").match(folded, pos)
    start = m.end() if m else pos
    for rx in (DATE_NUMERIC, DATE_WORDS):
        m = rx.match(folded, start)
        if m:
            iso = match_iso(m)
            if iso:
                return iso, m.end()
    return None


def find_dates(folded: str) -> list[tuple[str, int, int]]:
    """Every full date a folded text states: (ISO, start, end)."""
    out = []
    for m in ANY_DATE.finditer(folded):
        iso = match_iso(m)
        if iso:
            out.append((iso, m.start(), m.end()))
    return out


def vn_date(iso: str) -> str:
    """2020-12-24 -> 24/12/2020 (a partial "2024-05" -> 05/2024)."""
    return "/".join(reversed(iso.split("-")))
