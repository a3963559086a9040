"""Checks a generated answer against the passages it cites: citations, numbers, dates, wording."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant.answer.statements import STOPWORDS
from assistant.text.fold import fold

# "[1]", "[1, 3]", "[2-4]": a citation group as models write it.
CITE_GROUP = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\s*\]")
# A statement ends at sentence punctuation (with the citations written after it) before a space; "33.3%" and
# "61/2018" are not ends because no space follows the dot.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+(?:\s*\[[\d\s,;–-]+\])*(?=\s|$)|$)")
_ABBREVIATION = re.compile(r"(?:^|\s)[A-ZĐ][^\W\d_]{0,2}\.$")
_ITEM = re.compile(r"^\s*(?:[-+•*–]\s+|\d{1,2}[.)]\s+|[a-zđ]\)\s+)")
# Enumerators inside a statement ("(1) 100% văn bản ...") are layout, not facts to check.
_ENUMERATOR = re.compile(r"\(\s*(?:\d{1,2}|[a-zđ])\s*\)")
# Dates in folded text: "ngay 15 thang 12 nam 2025" (OCR glues "ngay05"), "15/12/2025", "15-12-2025", "15.12.2025".
_WORDY_DATE = re.compile(r"ngay\s*(\d{1,2})\s*(?:,\s*)?thang\s*(\d{1,2})\s*(?:,\s*)?nam\s*(\d{4})")
_NUM_DATE = re.compile(r"(?<![\d/])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})(?![\d/])")
_MONTH_YEAR = re.compile(r"thang\s*(\d{1,2})\s*(?:/|-|nam)\s*(\d{4})|(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")
_SLASHED = re.compile(r"(?<![\d/])\d+(?:/\d+)+")  # the number of a legal symbol: "61/2018" of "61/2018/NĐ-CP"
_NUMBER = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(\s*(?:%|phan tram))?")
_WORD = re.compile(r"[^\W\d_]+")
# Instruction-like text in a passage: a prompt injection, never evidence for anything. "Không (được) bỏ qua các
# hướng dẫn" is a plan's own wording, and "chỉ thị"/"yêu cầu" name instruments and duties, so they are not matched.
INSTRUCTION = re.compile(
    r"(?<!khong )(?<!duoc )\b(?:bo qua|phot lo|lo di|quen di|ignore|disregard|forget)\s+(?:het\s+)?"
    r"(?:(?:moi|tat ca|cac|nhung|all|any|the|previous|prior|above|earlier|your)\s+){0,3}"
    r"(?:huong dan|chi dan|menh lenh|lenh|instructions?|prompts?|rules)\b"
    r"|\b(?:system prompt|loi nhac he thong|you are now|tu bay gio ban la)\b"
)
# How a model says the passages do not answer ("không có thông tin", "không tìm thấy", "không đề cập" ...).
ABSTAIN = re.compile(
    r"\b(?:khong (?:co|du|tim thay|thay) (?:thong tin|du lieu|noi dung)|khong tim thay|khong (?:duoc )?de cap|"
    r"khong (?:the|biet) tra loi|toi khong biet|khong neu|no information|not (?:mentioned|found|stated)|"
    r"cannot answer|do(?: not|n't) know)\b"
)


@dataclass(frozen=True)
class Evidence:
    """What a passage shown to the model can support: its value keys and its words."""

    values: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True)
class Statement:
    """One sentence of the model's output, where it sits, and what it cites."""

    line: int
    prefix: str  # list marker of its line, kept in the answer
    text: str  # with its citation groups
    cites: tuple[int, ...]


def evidence(text: str) -> Evidence:
    """Value keys and content words of a passage, instruction-like sentences left out."""
    kept = " ".join(s for s in re.split(r"(?<=[.!?;:\n])\s+", fold(text)) if not INSTRUCTION.search(s))
    return Evidence(frozenset(value_keys(kept, derived=True)), frozenset(_WORD.findall(kept)))


def statements(output: str) -> list[Statement]:
    """The model's output cut into sentences, each with the passage numbers it cites."""
    out = []
    for i, line in enumerate(output.splitlines()):
        m = _ITEM.match(line)
        prefix = "- " if m else ""
        body = line[m.end():] if m else line
        carry = ""
        for s in _SENTENCE.finditer(body.strip()):
            text = (carry + s.group(0)).strip()
            # "TP. Hồ Chí Minh", "ThS. Nguyễn ...": an abbreviation's dot does not end the statement.
            carry = text + " " if _ABBREVIATION.search(text) else ""
            if text and not carry:
                out.append(Statement(i, prefix, text, cites_of(text)))
        if carry:
            out.append(Statement(i, prefix, carry.strip(), ()))
    return out


def cites_of(text: str) -> tuple[int, ...]:
    """Passage numbers cited in a sentence, in order, ranges expanded."""
    nums: list[int] = []
    for g in CITE_GROUP.finditer(text):
        for part in re.split(r"\s*[,;]\s*", g.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[–-]\s*", part)]
            lo, hi = bounds[0], bounds[-1]
            nums += list(range(lo, hi + 1)) if 0 <= hi - lo < 20 else bounds
    return tuple(dict.fromkeys(nums))


def check(statement: Statement, shown: list[Evidence], min_overlap: float) -> str | None:
    """Why a statement cannot be kept, or None when its citations support it."""
    if not statement.cites:
        return "no citation"
    if any(not 1 <= n <= len(shown) for n in statement.cites):
        return "citation out of range"
    bare = fold(_ENUMERATOR.sub(" ", CITE_GROUP.sub(" ", statement.text)))
    values = set().union(*(shown[n - 1].values for n in statement.cites))
    missing = [v for v in value_keys(bare) if v not in values]
    if missing:
        return f"{missing[0]} not in the cited passages"
    words = [w for w in _WORD.findall(bare) if w not in STOPWORDS]
    if words:
        have = set().union(*(shown[n - 1].words for n in statement.cites))
        if sum(w in have for w in words) / len(words) < min_overlap:
            return "wording not grounded in the cited passages"
    return None


def value_keys(folded: str, derived: bool = False) -> set[str]:
    """Canonical keys of the dates, legal numbers, percentages and numbers of folded text.

    With `derived`, a full date also yields its month-year and its parts, so that a sentence saying
    "tháng 12/2025" or "năm 2025" is supported by a passage saying "15/12/2025".
    """
    keys: set[str] = set()
    text = folded

    def take(m: re.Match[str], key: str | None, parts: tuple[str, ...] = ()) -> str:
        if key:
            keys.add(key)
            if derived:
                keys.update(f"n:{_canon(p)}" for p in parts)
        return " " * len(m.group(0))  # blank it out so its digits are not read again as numbers

    def date(m: re.Match[str], d: str, mo: str, y: str) -> str:
        if not (1 <= int(d) <= 31 and 1 <= int(mo) <= 12):
            return m.group(0)
        if derived:
            keys.add(f"m:{int(mo)}/{y}")
        return take(m, f"d:{int(d)}/{int(mo)}/{y}", (d, mo, y))

    text = _WORDY_DATE.sub(lambda m: date(m, m[1], m[2], m[3]), text)
    text = _NUM_DATE.sub(lambda m: date(m, m[1], m[3], m[4]), text)

    def month_year(m: re.Match[str]) -> str:
        mo, y = (m[1], m[2]) if m[1] else (m[3], m[4])
        return take(m, f"m:{int(mo)}/{y}", (mo, y)) if 1 <= int(mo) <= 12 else m.group(0)

    text = _MONTH_YEAR.sub(month_year, text)
    text = _SLASHED.sub(lambda m: take(m, "s:" + "/".join(str(int(p)) for p in m.group(0).split("/")),
                                       tuple(m.group(0).split("/"))), text)
    for m in _NUMBER.finditer(text):
        percent = bool(m.group(1))
        for value in _readings(m.group(0)[: len(m.group(0)) - len(m.group(1) or "")]):
            keys.add(f"p:{value}" if percent else f"n:{value}")
            if percent and derived:
                keys.add(f"n:{value}")
    return keys


def _readings(raw: str) -> set[str]:
    """The values a written number can mean: Vietnamese writes "1.500" for 1500 and "33,3" for 33.3, English
    the other way round; a sentence and a passage agree when they share one reading."""
    seps = re.findall(r"[.,]", raw)
    groups = re.split(r"[.,]", raw)
    out = set()
    if seps and all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1:
        out.add(_canon("".join(groups)))  # thousands grouping
    if len(seps) == 1:
        out.add(_canon(raw.replace(",", ".")))  # one decimal separator
    if not seps:
        out.add(_canon(raw))
    return out or {raw}


def _canon(number: str) -> str:
    try:
        value = Decimal(number).normalize()
    except InvalidOperation:
        return number
    return format(value, "f")
