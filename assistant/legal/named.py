"""Instruments cited by name or standard number rather than by symbol: laws, the Constitution, programmes, TCVN/ISO."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.legal.canonical import canonical_name
from assistant.text.agencies import body_name
from assistant.text.doctypes import TYPE_WORD_ALT
from assistant.text.fold import Folded, fold_words
from assistant.text.places import PROVINCE_RE, locality, province_of

# Heads of instruments that are cited by name; folded, OCR-tolerant ("Chwong trinh", "Pé an", "Luat", "Hién phap").
_NAMED_HEADS: tuple[tuple[str, str], ...] = (
    ("Hiến pháp", r"hi[e]n\s?ph[a@]p"),
    ("Bộ luật", r"bo\s?lu[a@]t"),
    ("Luật", r"lu[a@]t"),
    ("Pháp lệnh", r"ph[a@]p\s?l[e]nh"),
    ("Đề án", r"[dpb][e&]\s?[a@]n"),
    ("Chương trình", r"ch[uw]{0,2}[o0]ng\s?tr[iy1l]nh"),
)
_HEAD_RE = re.compile(
    r"(?<![a-z])(?:" + "|".join(f"(?P<h{i}>{rx})" for i, (_, rx) in enumerate(_NAMED_HEADS)) + r")(?![a-z])"
)
# A name is not a citation when the plan is about to make that document ("Xây dựng Đề án ...").
_CREATING = re.compile(r"(?:xa\w? d\w{1,3}ng|ban hanh|hoan (?:chinh|thien)|du thao|phe duyet|trinh)\s*$")
_CITING = re.compile(r"(?:theo|tai|can cu|thuc hien|trien khai)\s*$")
_NUMBERED = re.compile(r"\s*(?:s[o0e6b4d$&¢]{0,2}[0-9]?\s*:?\s*)?\d{1,6}\s*[/\[-]")
_TOKEN = re.compile(r"\S+")
# Words that end a name: dates, numbers, purposes, verbs that start the next clause.
_TYPE_START = re.compile(rf"(?:{TYPE_WORD_ALT}|hi[e]n\s?ph[a@]p)(?![a-z])")  # a new instrument begins here


@dataclass(frozen=True)
class NamedHit:
    """One by-name mention: instrument type, normalised name, folded span."""

    type: str
    name: str
    start: int
    end: int
    issuer: str | None = None


def _head_type(m: re.Match[str]) -> str:
    for i, (name, _) in enumerate(_NAMED_HEADS):
        if m.group(f"h{i}"):
            return name
    raise ValueError("no head in match")


def _title_case(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and letters[0].isupper() and not all(c.isupper() for c in letters[1:] or ["a"])


def find_named(text: str, fd: Folded, province: str | None = None) -> list[NamedHit]:
    """By-name citations of laws, the Constitution, programmes and schemes."""
    f = fd.text
    hits: list[NamedHit] = []
    for m in _HEAD_RE.finditer(f):
        kind = _head_type(m)
        s, e = fd.span(m.start(), m.end())
        head_orig = text[s:e]
        before = f[max(0, m.start() - 25):m.start()]
        if _CREATING.search(before) or _NUMBERED.match(f, m.end()):
            continue
        if not _title_case(head_orig) and not (kind in ("Đề án", "Chương trình") and _CITING.search(before)):
            continue
        if kind == "Hiến pháp":
            y = re.compile(r"\s+n\w{1,2}m\s+((?:19|20)\d\d)").match(f, m.end())
            end = y.end() if y else m.end()
            hits.append(NamedHit(kind, f"Hiến pháp năm {y.group(1)}" if y else "Hiến pháp", m.start(), end))
            continue
        hit = _name_after(text, fd, m.end(), kind, province)
        if hit is not None:
            name_end, words, body = hit
            min_words = 1 if kind in ("Luật", "Bộ luật", "Pháp lệnh") else 3
            if len(words) >= min_words:
                name = _normalise(kind, words)
                hits.append(NamedHit(kind, canonical_name(kind, name, locality(province)) or name, m.start(),
                                     name_end, body))
    return hits


def _name_after(text: str, fd: Folded, pos: int, kind: str, province: str | None) -> tuple[int, list[str], str | None] | None:
    """Words of the name following a head at folded `pos`, the folded end of the name, and a body named by 'của'."""
    f = fd.text
    q = re.compile(r"\s*[“\"]([^”\"\n]{3,200})[”\"]").match(f, pos)
    if q:  # a quoted title is the whole name
        s, e = fd.span(q.start(1), q.end(1))
        return q.end(), text[s:e].split(), None
    is_law = kind in ("Luật", "Bộ luật", "Pháp lệnh")
    words: list[tuple[str, int]] = []  # original word, folded end
    body = None
    limit = 12 if is_law else 22
    prev_end = pos
    for t in _TOKEN.finditer(f, pos, min(len(f), pos + 400)):
        if "\n\n" in f[prev_end:t.start()] or len(words) >= limit:
            break
        s, e = fd.span(t.start(), t.end())
        orig = text[s:e]
        core = t.group(0).strip(",;.:()“”\"")
        if not words and (_OF_WORD.fullmatch(core) or (is_law and not _title_case(orig))):
            return None  # "Đề án của UBND tỉnh" points back to a scheme named elsewhere
        if t.group(0).startswith(("(", "“", "\"")) or _is_stop(orig) or (is_law and _OF_WORD.fullmatch(core)):
            break
        if _OF_WORD.fullmatch(core):
            b = body_name(f, t.end() + 1, province)
            if b:  # "... giai đoạn 2021-2030 của Chính phủ": the body issued it, it is not part of the name
                body = b[0]
                break
            loc = re.compile(rf"\s*(?:tinh|thanh pho)(?:\s+({PROVINCE_RE.pattern}))?(?![a-z])").match(f, t.end())
            if loc:  # "Chương trình ... của tỉnh": provincial programmes are issued by the People's Committee
                body = f"UBND {locality(province_of(loc.group(1)) if loc.group(1) else province)}"
        if core in ("va", "và") and not _continues_capitalised(text, fd, t.end()):
            break
        if words and _TYPE_START.match(f, t.start()) and _title_case(orig):
            break
        words.append((orig.rstrip(";.:"), t.start() + len(t.group(0).rstrip(",;.:"))))
        prev_end = t.end()
        if t.group(0).endswith((";", ".", ":", ")")):
            break
        if t.group(0).endswith(","):
            nxt = _TOKEN.search(f, t.end())
            if not is_law or nxt is None:
                break
            ns, ne = fd.span(nxt.start(), nxt.end())
            if _title_case(text[ns:ne]) or not nxt.group(0)[0].isalpha():
                break
    while words and (_OF_WORD.fullmatch(fold_words(words[-1][0]).strip(",")) or not re.search(r"\w", words[-1][0])):
        words.pop()
    if not words:
        return None
    return words[-1][1], [w for w, _ in words], body


_OF_WORD = re.compile(r"c[tiual]{0,3}a")  # "của" as OCR prints it: "ctia", "cta", "cia", "ciia"
_VI_STOP = {"ngày", "số", "theo", "tại", "được", "nhằm", "để", "về", "đã", "đang", "thì", "trong", "cho", "với", "này"}
_ASCII_STOP = {"ngay", "theo", "duoc", "nham", "trong", "voi", "so"}  # same words with OCR-stripped accents


def _is_stop(orig: str) -> bool:
    """Words that end a name: dates, numbers, purposes, the verbs and prepositions that start the next clause."""
    w = unicodedata.normalize("NFC", orig.lower().strip(",;.:()“”\""))
    return w in _VI_STOP or (w.isascii() and w in _ASCII_STOP)


def _continues_capitalised(text: str, fd: Folded, pos: int) -> bool:
    """'và' belongs to a name when a capitalised word that is not a new type word follows ("Khoa học và Công nghệ")."""
    nxt = _TOKEN.search(fd.text, pos)
    if nxt is None:
        return False
    s, e = fd.span(nxt.start(), nxt.end())
    return _title_case(text[s:e]) and not _TYPE_START.match(fd.text, nxt.start())


def _normalise(kind: str, words: list[str]) -> str:
    """Type word spelt properly, then the name with whitespace and year ranges tidied."""
    name = " ".join(words).strip(" ,;")
    name = re.sub(r"(\d{4})\s*-\s*(\d{4})", r"\1-\2", name)
    name = re.sub(r"\s*-\s*$", "", name)
    return f"{kind} {name}".strip()


_STANDARD_RE = re.compile(
    r"(?<![a-z0-9])(?:(?P<tcvn>tcvn)\s*)?(?P<iso>iso)?\s*(?P<num>\d{3,5})(?:\s*:\s*(?P<year>(?:19|20)\d\d))?(?![\d])"
)


@dataclass(frozen=True)
class StandardHit:
    """One mention of a national/international standard."""

    number: str  # "9001"
    year: str | None
    start: int
    end: int


def find_standards(text: str, fd: Folded) -> list[StandardHit]:
    """Mentions of TCVN / ISO standards ("TCVN ISO 9001:2015", "ISO 9001:2015", "TCVN 5603:2008")."""
    hits = []
    for m in _STANDARD_RE.finditer(fd.text):
        if not (m.group("tcvn") or m.group("iso")):
            continue
        s, e = fd.span(m.start(), m.end())
        prefix = text[s:e].split()[0]
        if not prefix[:3].isupper():  # standards are printed "TCVN"/"ISO"; lower-case is prose
            continue
        hits.append(StandardHit(m.group("num"), m.group("year"), m.start(), m.end()))
    return hits
