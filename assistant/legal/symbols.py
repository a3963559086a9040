"""Symbol grammar of Vietnamese administrative documents (số ký hiệu), OCR-tolerant, and loose symbol queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.text.doctypes import TYPE_CODES, TYPE_NAMES, TYPE_WORD_ALT, type_word
from assistant.text.fold import fold_map, fold_words

# Issuer codes whose official spelling has "Đ" or a lower-case letter, which folding loses.
_ISSUER_SPELLING = {
    "ttg": "TTg", "hdnd": "HĐND", "bkhdt": "BKHĐT", "skhdt": "SKHĐT", "bldtbxh": "BLĐTBXH",
    "sldtbxh": "SLĐTBXH", "bgddt": "BGDĐT", "sgddt": "SGDĐT", "bcd": "BCĐ", "hdtd": "HĐTĐ",
}

_WS = r"[ \t\r\n]{0,4}"  # a symbol may be broken by spaces or a line break ("236/KH-\n\nUBND")
_SL = rf"{_WS}[/\[|]{_WS}"  # OCR reads "/" as "[" or "|"
_HY = rf"{_WS}-(?:[ \t]{{0,2}}-)?{_WS}"  # doubled, spaced or broken hyphens ("21/CT- -TTg")
_CODE = r"[a-z][a-z0-9]{0,7}"
SYMBOL_RE = re.compile(
    rf"(?<![\w/.-])(?P<num>\d{{1,6}})?(?:"
    rf"(?P<b>{_HY}(?P<btype>{_CODE}){_SL}(?P<biss>{_CODE}(?:{_HY}{_CODE})*))"  # 12-NQ/TU
    rf"|(?P<a>{_SL}(?:(?P<year>(?:19|20)\d\d){_SL})?(?P<parts>{_CODE}(?:{_HY}{_CODE}){{0,3}}))"  # 61/2018/NĐ-CP
    rf")(?![a-z0-9])"
)
_SPLIT_HY = re.compile(_HY)


@dataclass(frozen=True)
class Symbol:
    """A parsed symbol: canonical form and its pieces."""

    canonical: str
    number: str  # "" when left blank (a draft's own number)
    year: str | None
    type_code: str | None  # "NĐ", "QĐ"... None for a công văn ("887/UBND-KSTT")
    issuer_code: str  # "CP", "UBND", "BYT-BNV", "QH14"
    fold_end: int  # end in folded text once trailing junk parts were dropped


def _issuer(code: str) -> str:
    return _ISSUER_SPELLING.get(code, code.upper())


def _upper_ok(original: str, allow_lower_tail: bool) -> bool:
    """Codes are upper-case in print; OCR may lower a trailing letter ("Qb") and "TTg" is spelt so."""
    letters = [c for c in original if c.isalpha()]
    if not letters or not letters[0].isupper():
        return False
    lower = [c for c in letters[1:] if c.islower()]
    return not lower or (allow_lower_tail and len(lower) == 1 and letters[-1].islower())


def parse_symbol(folded: str, m: re.Match[str], original: str | None, offsets: tuple[int, ...] | None) -> Symbol | None:
    """Turn a SYMBOL_RE match into a Symbol; `original`/`offsets` enable the upper-case check on the source."""

    def orig(a: int, b: int) -> str | None:
        return None if original is None or offsets is None else original[offsets[a]:offsets[b - 1] + 1]

    def ok(a: int, b: int) -> bool:
        src = orig(a, b)
        return True if src is None else _upper_ok(src, allow_lower_tail=True)

    num = m.group("num") or ""
    if m.group("b"):
        if not (ok(m.start("btype"), m.end("btype")) and num):
            return None
        tcode = TYPE_CODES.get(m.group("btype"), m.group("btype").upper())
        parts, base = _parts(folded, m.start("biss"), m.end("biss"), ok)
        if not parts:
            return None
        iss = "-".join(_issuer(p) for p, _ in parts)
        return Symbol(f"{num}-{tcode}/{iss}", num, None, tcode, iss, parts[-1][1])
    parts, base = _parts(folded, m.start("parts"), m.end("parts"), ok)
    year = m.group("year")
    if not parts:
        return None
    head = parts[0][0]
    if len(parts) == 1:
        # Laws carry only the legislature: "22/2008/QH12"; anything else needs TYPE-ISSUER.
        if year and re.fullmatch(r"(?:ubtv)?qh\d{1,2}", head):
            return Symbol(f"{num}/{year}/{head.upper()}", num, year, None, head.upper(), parts[0][1])
        return None
    if head in TYPE_CODES:
        tcode = TYPE_CODES[head]
        iss = "-".join(_issuer(p) for p, _ in parts[1:])
        canon = f"{num}/{year}/{tcode}-{iss}" if year else f"{num}/{tcode}-{iss}"
        return Symbol(canon, num, year, tcode, iss, parts[-1][1])
    if year or not num:
        return None
    # No type code: a công văn is numbered "number/ISSUER-UNIT".
    iss = "-".join(_issuer(p) for p, _ in parts)
    return Symbol(f"{num}/{iss}", num, None, None, _issuer(head), parts[-1][1])


def _parts(
    folded: str, start: int, end: int, ok: Callable[[int, int], bool]
) -> tuple[list[tuple[str, int]], int]:
    """Hyphen-separated code parts with their folded ends, cut at the first part that is not upper-case."""
    out: list[tuple[str, int]] = []
    pos = start
    for piece in _SPLIT_HY.split(folded[start:end]):
        at = folded.index(piece, pos)
        if not ok(at, at + len(piece)):
            break
        out.append((piece, at + len(piece)))
        pos = at + len(piece)
    return out, start


def canonical_symbol(raw: str) -> str | None:
    """Canonical symbol of a loosely written one ("61/2018/ND-CP" → "61/2018/NĐ-CP"), or None."""
    f = fold_words(raw)
    f = re.sub(r"^(?:so|s[0-9$]|s)\s*:?\s*(?=[\d/\[])", "", f)
    m = SYMBOL_RE.match(f)
    if not m:
        return None
    sym = parse_symbol(f, m, None, None)
    if sym is None or f[sym.fold_end:].strip():
        return None
    return sym.canonical


SO_WORD = r"(?:s[o0e6b4d$&¢]{0,2}[0-9]?|\$[0-9o])"  # "số" as OCR prints it: "s6", "sé6", "$6", "S4", "s"




@dataclass(frozen=True)
class SymbolQuery:
    """A loosely typed request for an instrument: number, optional year, type and issuer."""

    number: str
    year: str | None = None
    type_name: str | None = None
    issuer_code: str | None = None
    canonical: str | None = None  # set when the query is a complete symbol

    def matches(self, number: str, type_name: str | None) -> bool:
        """Whether a reference's canonical number/type satisfies the query."""
        if self.canonical is not None:
            return number == self.canonical
        m = re.match(r"(\d+)(?:/((?:19|20)\d\d))?", number)
        if not m or m.group(1).lstrip("0") != self.number.lstrip("0"):
            return False
        if self.year and m.group(2) != self.year:
            return False
        if self.issuer_code and not re.search(rf"[-/]{re.escape(self.issuer_code)}\b", number):
            return False
        return self.type_name is None or type_name == self.type_name


def parse_symbol_query(q: str) -> SymbolQuery | None:
    """Read "61/2018", "nd 61/2018", "Nghị định 61", "nghi dinh 61/2018/nd-cp" as a SymbolQuery."""
    f = fold_words(q)
    type_name = None
    m = re.match(rf"\s*(?:{TYPE_WORD_ALT})\b\s*", f)
    if m:
        type_name = type_word(m)
        f = f[m.end():]
    else:
        m = re.match(r"\s*([a-z]{2,4})\s+(?=\d)", f)
        if m and m.group(1) in TYPE_CODES:
            type_name = TYPE_NAMES[TYPE_CODES[m.group(1)]]
            f = f[m.end():]
    f = re.sub(rf"^{SO_WORD}\s*:?\s*(?=\d)", "", f.strip())
    canon = canonical_symbol(f)
    if canon:
        sym_type = _symbol_type(canon)
        return SymbolQuery(re.match(r"\d*", canon).group(0), None, type_name or sym_type, None, canon)
    m = re.match(r"(\d{1,6})(?:\s*/\s*((?:19|20)\d\d))?(?:\s*/\s*([a-z]{1,4})(?:\s*-\s*([a-z]+))?)?\s*$", f)
    if not m:
        return None
    if m.group(3) and m.group(3) in TYPE_CODES and type_name is None:
        type_name = TYPE_NAMES[TYPE_CODES[m.group(3)]]
    issuer = _issuer(m.group(4)) if m.group(4) else None
    return SymbolQuery(m.group(1), m.group(2), type_name, issuer)


def _symbol_type(canon: str) -> str | None:
    """Type named by a canonical symbol's code, if any."""
    f = fold_map(canon).text
    m = SYMBOL_RE.match(f)
    sym = parse_symbol(f, m, None, None) if m else None
    return TYPE_NAMES.get(sym.type_code) if sym and sym.type_code else None
