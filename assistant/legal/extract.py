"""Deterministic extraction of the legal/administrative instruments a plan cites, with exact spans."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from assistant.legal.named import find_named, find_standards
from assistant.legal.symbols import (
    SO_WORD,
    SYMBOL_RE,
    Symbol,
    canonical_symbol,
    parse_symbol,
    parse_symbol_query,
)
from assistant.text.agencies import body_name, suffix_body
from assistant.text.dates import parse_date_at
from assistant.text.doctypes import TYPE_NAMES, TYPE_WORD_ALT, type_word
from assistant.text.fold import Folded, fold_map, fold_words
from assistant.text.places import detect_province

__all__ = ["LegalReference", "Mention", "canonical_symbol", "extract_references", "parse_symbol_query"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mention:
    """One place an instrument is cited: `text == document_text[start:end]`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class LegalReference:
    """One cited instrument in one document, all its mentions merged."""

    source: str
    type: str  # "Nghị định", "Quyết định", "Tiêu chuẩn", ...
    number: str  # canonical symbol ("61/2018/NĐ-CP", "/KH-SYT") or, for unnumbered laws, the name
    issuer: str | None
    date: str | None  # ISO, only when the text states it
    own: bool  # the document's own number
    mentions: tuple[Mention, ...] = ()

    def to_dict(self) -> dict:
        """Plain dict for CSV/JSON."""
        return {
            "source": self.source, "type": self.type, "number": self.number, "issuer": self.issuer,
            "date": self.date, "own": self.own,
            "mentions": [{"start": m.start, "end": m.end, "text": m.text} for m in self.mentions],
        }


@dataclass
class _Hit:
    key: str
    type: str
    mention: Mention
    issuer_context: str | None = None
    issuer_suffix: str | None = None
    date: str | None = None
    own: bool = False
    typed_by_word: bool = False


_TYPE_BEFORE = re.compile(rf"(?:{TYPE_WORD_ALT})\s*(?:{SO_WORD}\s*)?:?\s*$")
_SO_BEFORE = re.compile(rf"(?<![a-z]){SO_WORD}\s*:?\s*$")
_HEADER_NUMBER = re.compile(r"(?<![a-z])[s$][a-z0-9$&¢]{0,2}\s*:\s*$")  # "Số:", OCR "S4:", "S6:"
_OF = re.compile(r"\s*,?\s*c[tiual]{0,3}a\s+")  # "của" as OCR prints it: "ctia", "cta", "cia", "ciia"
_HEADER_CUT = re.compile(r"\s{2,}|c\w{1,2}ng\s?h\w{1,2}a\b|[dpb][eo]c\s*[l1]\s?[a@]p|t[uw]\s*do\s*-")
_ADMIN_WORDS = {
    "trung tam": "Trung tâm", "y te": "Y tế", "benh vien": "Bệnh viện", "chi cuc": "Chi cục", "huyen": "huyện",
    "tinh": "tỉnh", "thanh pho": "thành phố", "quan": "quận", "thi xa": "thị xã", "phong": "Phòng",
    "da khoa": "Đa khoa", "kiem soat benh tat": "Kiểm soát bệnh tật", "so": "Sở", "xa": "xã",
}


def extract_references(text: str, source: str) -> list[LegalReference]:
    """Every instrument `text` cites, one LegalReference each, in order of first mention."""
    fd = fold_map(text)
    province = detect_province(fd.text)
    hits = _symbol_hits(text, fd, province)
    header_own = next((h.key for h in hits if h.own and not h.key.startswith("/")), None)
    for h in hits:
        if h.key.startswith("/") and header_own:
            # A blank number is the draft's own, unless the header gives a different own symbol.
            h.own = header_own.split("/", 1)[1] == h.key[1:]
        h.own = h.own or h.key == header_own
    hits += _standard_hits(text, fd)
    hits += _named_hits(text, fd, province)
    refs = _merge(hits, source)
    log.debug("%s: %d references (province %s)", source, len(refs), province)
    return refs


def _mention(text: str, fd: Folded, a: int, b: int) -> Mention:
    s, e = fd.span(a, b)
    raw = text[s:e]
    s += len(raw) - len(raw.lstrip())  # the grammar tolerates spaces before a blank number's "/"
    e -= len(raw) - len(raw.rstrip())
    return Mention(s, e, text[s:e])


def _symbol_hits(text: str, fd: Folded, province: str | None) -> list[_Hit]:
    f = fd.text
    hits: list[_Hit] = []
    header_end = min(len(f), max(1500, len(f) // 5))
    own_found = False
    for m in SYMBOL_RE.finditer(f):
        before = f[max(0, m.start() - 40):m.start()]
        if not m.group("num") and not _SO_BEFORE.search(before):
            continue  # a blank number only makes sense after "Số"
        sym = parse_symbol(f, m, text, fd.offsets)
        if sym is None:
            continue
        own = not sym.number or (not own_found and m.start() < header_end and bool(_HEADER_NUMBER.search(before)))
        own_found = own_found or own
        hit = _Hit(sym.canonical, _type_of(sym), _mention(text, fd, m.start(), sym.fold_end), own=own)
        tw = _TYPE_BEFORE.search(before)
        if tw and _word_fits(type_word(tw), sym):
            hit.type, hit.typed_by_word = type_word(tw), True
        hit.issuer_suffix = _suffix_issuer(sym, province)
        hit.date, hit.issuer_context = _date_and_body(f, sym.fold_end, province)
        if own:
            hit.issuer_context = _header_issuer(text, fd, m.start(), province) or hit.issuer_suffix
            hit.date = _own_date(f, sym.fold_end)
        hits.append(hit)
    return hits


def _word_fits(word: str, sym: Symbol) -> bool:
    """A type word names the instrument unless its symbol's code says otherwise ("quy định tại 61/2018/NĐ-CP")."""
    if sym.type_code is None or TYPE_NAMES.get(sym.type_code) == word:
        return True
    return sym.type_code == "QĐ" and word == "Quy định"  # Party regulations are "số 205-QĐ/TW"


def _type_of(sym: Symbol) -> str:
    if sym.type_code:
        return TYPE_NAMES.get(sym.type_code, "Văn bản")
    if re.match(r"(?:UBTV)?QH", sym.issuer_code):
        return "Luật"
    return "Công văn"  # "887/UBND-KSTT": official letters carry no type code


def _suffix_issuer(sym: Symbol, province: str | None) -> str | None:
    codes = sym.issuer_code.split("-")
    if sym.type_code is None and not sym.issuer_code.startswith(("QH", "UBTVQH")):
        codes = codes[:1]  # công văn: ISSUER-UNIT, the unit is internal
    bodies = [suffix_body(c, province) for c in codes]
    named = [b for b in bodies if b]
    return ", ".join(named) if named and len(named) == len(bodies) else None


def _date_and_body(f: str, pos: int, province: str | None) -> tuple[str | None, str | None]:
    """Date and issuing body stated right after a symbol, in either order."""
    date = body = None
    for _ in range(2):
        d = parse_date_at(f, pos) if date is None else None
        if d:
            date, pos = d
            continue
        m = _OF.match(f, pos)
        b = body_name(f, m.end(), province) if m and body is None else None
        if b:
            body, pos = b
            continue
        break
    return date, body


def _own_date(f: str, pos: int) -> str | None:
    """The plan's own date from the place-date line next to its number ("Hà Tĩnh, ngày 05 tháng 01 năm 2023")."""
    m = re.compile(r"[^\n]{0,60}?,\s*(?=ng\w{0,2}y)").match(f, pos)
    d = parse_date_at(f, m.end()) if m else None
    return d[0] if d else None


def _header_issuer(text: str, fd: Folded, pos: int, province: str | None) -> str | None:
    """Issuing unit from the left header column above the number line (parent body first, issuer below it)."""
    f = fd.text
    line_start = f.rfind("\n", 0, pos) + 1
    lines = [ln for ln in f[:line_start].split("\n") if ln.strip()][-8:]
    parts = []
    for ln in lines:
        left = _HEADER_CUT.split(ln.strip(), maxsplit=1)[0].strip(" -*#")
        if left and not re.search(r"\d", left):
            parts.append(re.sub(r"\s+", " ", left))
    if not parts:
        return None
    unit = " ".join(parts[1:] if len(parts) > 1 else parts)
    named = body_name(unit, 0, province, full=True)
    if named:
        return named[0]
    if body_name(unit, 0, province) is not None and len(parts) == 1:
        return body_name(unit, 0, province)[0]
    words = unit.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            phrase = " ".join(words[i:i + n])
            if len(words[i:i + n]) == n and phrase in _ADMIN_WORDS:
                out.append(_ADMIN_WORDS[phrase])
                i += n
                break
        else:
            out.append(words[i].capitalize())
            i += 1
    name = " ".join(out)
    if not re.search(r"\b(?:huyện|tỉnh|thành phố|quận|thị xã|xã)\b", name) and province:
        name += f" tỉnh {province}"
    return name


def _standard_hits(text: str, fd: Folded) -> list[_Hit]:
    found = find_standards(text, fd)
    years: dict[str, set[str]] = {}
    for s in found:
        if s.year:
            years.setdefault(s.number, set()).add(s.year)
    hits = []
    for s in found:
        # "TCVN ISO 9001" without a year means the edition the same plan names elsewhere.
        year = s.year or (next(iter(years[s.number])) if len(years.get(s.number, ())) == 1 else None)
        key = f"TCVN ISO {s.number}:{year}" if year else f"TCVN ISO {s.number}"
        hits.append(_Hit(key, "Tiêu chuẩn", _mention(text, fd, s.start, s.end)))
    return hits


def _named_hits(text: str, fd: Folded, province: str | None) -> list[_Hit]:
    hits = []
    for n in find_named(text, fd, province):
        issuer = n.issuer or ("Quốc hội" if n.type in ("Hiến pháp", "Luật", "Bộ luật") else None)
        hits.append(_Hit(n.name, n.type, _mention(text, fd, n.start, n.end), issuer_suffix=issuer))
    return hits


def _merge(hits: list[_Hit], source: str) -> list[LegalReference]:
    groups: dict[str, list[_Hit]] = {}
    for h in hits:
        key = h.key if re.match(r"[\d/]", h.key) or h.key.startswith("TCVN") else fold_words(h.key)
        groups.setdefault(key, []).append(h)
    refs = []
    for group in groups.values():
        group.sort(key=lambda h: h.mention.start)
        worded = [h.type for h in group if h.typed_by_word]
        rtype = Counter(worded or [h.type for h in group]).most_common(1)[0][0]
        issuer = next((h.issuer_context for h in group if h.issuer_context), None)
        issuer = issuer or next((h.issuer_suffix for h in group if h.issuer_suffix), None)
        date = next((h.date for h in group if h.date), None)
        mentions = tuple(h.mention for h in group)
        refs.append(LegalReference(source, rtype, group[0].key, issuer, date, any(h.own for h in group), mentions))
    refs.sort(key=lambda r: r.mentions[0].start)
    return refs
