"""Sentences and clauses of a passage as exact spans, and how well each one answers a question."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.documents.chunk import unwrap_lines
from assistant.text.fold import fold, fold_map
from assistant.text.normalize import search_tokens

# A new statement starts after sentence punctuation, at a list item, or at a semicolon between clauses.
# Semicolons and colons stay inside: "2.1. Phòng Tổ chức cán bộ: chịu trách nhiệm ...; chủ trì ..." is one
# statement whose subject comes first.
_BREAK = re.compile(r"(?<=\w{2}[.!?])\s+(?=[-+•*]?\s*[^\W\d_])|\n\s*(?=[-+•*–]|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s)|\n\s*\n")
# PDF tables come out one cell per line; a run of short lines is one table row, not many statements.
_CELL_BREAK = re.compile(r"[ \t]*\n(?:[ \t]*\n)*[ \t]*")
_ITEM = re.compile(r"[-+•*–]|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s|[IVX]+\.\s")
_LEADING_ITEM = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ]\)|[IVX]+\.)\s+")
SHORT_LINE = 48
# Where no statement continues, whatever the line wraps: two blank lines (the gap between a signature block and an
# appendix), and an upper-case part heading (Nghị định 30/2020: "PHỤ LỤC", "CHƯƠNG"), which no sentence wraps into.
_BLOCK_GAP = re.compile(r"\n[ \t]*\n[ \t]*\n\s*|\n\s*(?=(?:PHỤ LỤC|CHƯƠNG)\b)")
# Weight of a question word that is also a word of the named plan's title (it says which plan, not what).
TITLE_WEIGHT = 0.3
# Function and question words carry no evidence ("những đơn vị nào", "là bao nhiêu", "khác nhau thế nào").
# Folded forms collide ("hai" is both "hai" two and "hài" in "hài lòng"), so only unambiguous ones are listed.
STOPWORDS = frozenset(
    "nao gi ai la cua cac nhung co duoc trong ve va voi cho den tu theo tai thi sao bao nhieu may khi nao "
    "o de do nay ay kia con hay hoac nhu the phai da se dang cung moi tung tat ca khac nhau giong "
    "the a an of in on for to by is are was were which what who whom when where how many much does do did "
    "plan plans document documents".split()
)
_NUMBERISH = re.compile(r"\d")
_PERCENT = re.compile(r"\d\s?%")
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}|\bngay\s+\d{1,2}\b|\bthang\s+\d{1,2}\b|\bquy\s+[ivx1-4]\b|\bnam\s+20\d\d\b")
_CITED_DATE = re.compile(r"\b\d+/[\w/.-]*[a-z][\w/.-]*,?\s+(?:ngay\s+)?\d{1,2}(?:[/.-]\d{1,2}[/.-]\d{2,4}|"
                         r"\s+thang\s+\d{1,2}\s+nam\s+\d{4})")
_MONEY = re.compile(r"\d[\d.,]*\s*(?:dong|trieu|ty|nghin|vnd)\b")  # "130 triệu đồng", not "tỷ lệ"
_NAMED_UNIT = re.compile(
    # A named body ("Sở Tư pháp", "Văn phòng Sở", "Công an tỉnh", "Phòng KHTC"), not just the words "đơn vị".
    r"\b(?:Phòng|Văn phòng|Thanh tra|Trung tâm|Chi cục|Cục|Ban|Khoa|Bệnh viện|Sở|Bộ(?: Chỉ huy)?|Công an|Ủy ban|Uỷ ban|"
    r"UBND|Hội|Hiệp hội|Liên minh|Liên đoàn|Ngân hàng|Kho bạc|Bảo hiểm|Thuế|Đài|Báo|Tỉnh đoàn|Mặt trận|Viện|Trường|"
    r"Phong|Van phong|Trung tam|So)\s+(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*|Sở|Y tế|tỉnh|thành phố|nhân dân|xã hội)"
)
_UNIT = re.compile(r"\b(?:phong|van phong|thanh tra|trung tam|so|ban|uy ban|ubnd|don vi|co quan|chu tri)\b")


@dataclass(frozen=True)
class Sentence:
    """A statement inside a passage: exact span of the source text."""

    source: str
    start: int
    end: int
    text: str


def split(source: str, text: str, start: int, end: int) -> list[Sentence]:
    """Statements of text[start:end], with OCR line wraps ignored and exact offsets."""
    out, pos = [], start
    for m in _BLOCK_GAP.finditer(text, start, end):
        out += _split_block(source, text, pos, m.start())
        pos = m.end()
    return out + _split_block(source, text, pos, end)


def _split_block(source: str, text: str, start: int, end: int) -> list[Sentence]:
    body = _join_cells(unwrap_lines(text[start:end]))
    out, cursor = [], 0
    for m in _BREAK.finditer(body):
        out.append((cursor, m.start()))
        cursor = m.end()
    out.append((cursor, len(body)))
    sentences = []
    for a, b in out:
        raw = text[start + a : start + b]
        lead = len(raw) - len(raw.lstrip(" \t\r\n-+•*–#"))
        trail = len(raw) - len(raw.rstrip())
        s, e = start + a + lead, start + b - trail
        if e - s >= 8 and re.search(r"\w{2,}", text[s:e]):
            sentences.append(Sentence(source, s, e, text[s:e]))
    return sentences


def _join_cells(body: str) -> str:
    """Join the lines of a table row (short lines, none starting an item), keeping the length."""

    def repl(m: re.Match[str]) -> str:
        line_start = body.rfind("\n", 0, m.start()) + 1
        before = body[line_start : m.start()]
        nxt_end = body.find("\n", m.end())
        after = body[m.end() : nxt_end if nxt_end >= 0 else len(body)]
        if before.strip() and after.strip() and len(before.strip()) < SHORT_LINE and len(after.strip()) < SHORT_LINE \
                and not _ITEM.match(after):
            return " " * len(m.group(0))
        return m.group(0)

    return _CELL_BREAK.sub(repl, body)


def _number_key(token: str) -> str:
    """A number as it counts: "Đợt 01" is "Đợt 1", "ngày 08" is "ngày 8"."""
    return token.lstrip("0") or "0" if token.isdigit() else token


class Scorer:
    """IDF-weighted share of the question's content words a sentence holds, plus what kind of answer it is."""

    def __init__(self, documents_keys: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for keys in documents_keys:
            df.update(set(keys.split()))
            n += 1
        self.df, self.n = df, max(n, 1)

    def idf(self, token: str) -> float:
        """Robertson–Spärck Jones idf, floored at a small positive value."""
        d = self.df.get(token, 0)
        if d == 0:
            # A word no passage uses (a paraphrase, an abbreviation like "TTYT") cannot be evidence anywhere;
            # it counts as an ordinary word, not as the rarest one.
            return 1.0
        return max(0.05, math.log(1 + (self.n - d + 0.5) / (d + 0.5)))

    def terms(self, question: str, drop: Iterable[str] = (), soften: Iterable[str] = ()) -> dict[str, float]:
        """Content tokens of the question with their weights (place names the soft filter handles are dropped,
        words of `soften`, such as the title of the plan asked about, weigh TITLE_WEIGHT of their idf)."""
        dropped = {t for phrase in drop for t in search_tokens(phrase)}
        softened = {t for phrase in soften for t in search_tokens(phrase)}
        out = {}
        for t in map(_number_key, search_tokens(question)):
            if t in STOPWORDS or t in dropped or (len(t) < 2 and not t.isdigit()):
                continue
            if "_" in t and all(p in STOPWORDS for p in t.split("_")):
                continue
            out[t] = self.idf(t) * (0.5 if "_" in t else 1.0) * (TITLE_WEIGHT if t in softened else 1.0)
        return out

    def coverage(self, terms: dict[str, float], *readings: str) -> float:
        """Weighted share of the terms found in any reading of the sentence."""
        if not terms:
            return 0.0
        have = set()
        for r in readings:
            if r:
                have |= set(map(_number_key, search_tokens(r)))
        return sum(w for t, w in terms.items() if t in have) / sum(terms.values())


# What a question asks for, tried in order on its folded text; "đồng" counts as money only after an amount word
# (folded, "Đồng Nai" and "Đồng Tháp" read "dong" too); "chỉ tiêu hài lòng" asks for a target, which the plans
# state as a figure ("đạt từ 85% trở lên").
_KINDS = tuple((kind, re.compile(rx)) for kind, rx in (
    ("signer", r"\b(?:ai ky|nguoi ky|ky ke hoach|ky van ban|who signed|signed by|signer)\b"),
    ("percent", r"\b(?:bao nhieu phan tram|ty le|ti le|phan tram|percent|percentage)\b|%"),
    ("date", r"\b(?:ngay nao|khi nao|bao gio|luc nao|thoi diem nao|thoi han|han chot|truoc ngay|thoi gian nao|when|"
             r"deadline|date)\b"),
    ("money", r"\b(?:kinh phi|chi phi|ngan sach|bao nhieu tien|(?:bao nhieu|trieu|ty|nghin|ngan)\s+dong|"
              r"tien thuong|muc (?:ho tro|thuong|chi)|budget|cost|amount|how much money)\b"),
    ("frequency", r"\b(?:tan suat|bao lau mot lan|may lan|dinh ky nhu the nao|how often|frequency)\b"),
    ("rank", r"\b(?:thu may|xep thu|xep hang thu|hang thu|dung thu|what rank|ranked)\b"),
    ("number", r"\b(?:bao nhieu|may|so luong|how many|how much)\b"),
    ("target", r"\b(?:chi tieu|targets?)\b"),
    ("unit", r"\b(?:(?:don vi|phong|co quan|so|ban|to chuc|ngan hang|bo phan|noi) nao|ai chu tri|chu tri|dau moi|"
             r"which (?:unit|department|body|agency|office|organi[sz]ation|bank|branch|authority)|"
             r"who is responsible|responsible)\b"),
))


# "bao nhiêu ngày", "mấy trạm", "số lượng lớp": the measure a count question asks for (folded).
_MEASURE = re.compile(r"\b(?:bao nhieu|may|so luong)\s+([a-z]{2,}(?:\s+(?:lam viec|thang|nam))?)")
# Words that follow "bao nhiêu" without naming what is counted ("đạt bao nhiêu sau khi ...", "bao nhiêu mới").
_NOT_MEASURES = {"phan", "lan", "la", "thi", "dong", "tien", "con", "so", "sau", "truoc", "moi", "nua", "hon", "trong",
                 "tai", "cua", "va", "de", "khi", "nay", "do", "vao", "ra", "duoc", "nhu", "theo", "voi", "cho", "tu",
                 "den", "the", "dau", "roi", "ca", "tat"}


def asked_measure(question: str) -> str | None:
    """The unit a count question asks for ("ngày" in "bao nhiêu ngày"), folded; None when it names none."""
    folded = fold_map(question)
    m = _MEASURE.search(folded.text)
    if m is None or m.group(1).split()[0] in _NOT_MEASURES:
        return None
    # "bao nhiêu Hà Tĩnh cắt giảm ...": a capitalised word names a place or body, not what is counted.
    named = question[folded.offsets[m.start(1)]].isupper() and not question.isupper()
    return None if named else m.group(1)


def answer_kind(question: str) -> str:
    """What the question asks for: signer, percent, date, money, frequency, rank, number, target, unit, or text."""
    q = fold(question)
    return next((kind for kind, rx in _KINDS if rx.search(q)), "text")


def _expand(folded: str) -> str:
    """Abbreviated bodies spelled out, so "UBND tỉnh" is recognised as the "Ủy ban nhân dân tỉnh ..." issuer."""
    return re.sub(r"\bhdnd\b", "hoi dong nhan dan", re.sub(r"\bubnd\b", "uy ban nhan dan", folded))


def kind_match(kind: str, *readings: str, own: tuple[str | None, ...] = (), measure: str | None = None) -> float:
    """1 when a sentence holds the kind of value asked for, 0 when it cannot answer, 0.5 when unknown; `own` are the
    document's issuer and parent, which name no unit a question asks for (the plan's own body is in every line)."""
    # A list item's own number ("6. Số thành viên ...") is no value of what is asked.
    folded = " ".join(fold(_LEADING_ITEM.sub("", r)) for r in readings if r)
    if kind == "percent":
        return float(bool(_PERCENT.search(folded)))
    if kind == "date":
        # "(Kèm theo Kế hoạch số 157/KH-UBND ngày 18 tháng 11 năm 2025)": a cited document's date is no answer.
        return float(bool(_DATE.search(_CITED_DATE.sub(" ", folded))))
    if kind == "money":
        return float(bool(_MONEY.search(folded)))
    if kind == "frequency":
        return float(bool(re.search(r"\b(?:hang|hang nam|hang thang|hang quy|dinh ky|thuong xuyen|lan|moi)\b", folded)))
    if kind == "rank":
        return float(bool(re.search(r"\b(?:thu|hang|vi tri|top)\s+\d+", folded)))
    if kind == "number":
        if measure:  # "bao nhiêu ngày": a number of days, not any number ("3621/QĐ-BYT", "năm 2025")
            return float(bool(re.search(rf"\d[\d.,]*\s*(?:\([^)]{{0,30}}\)\s*)?{re.escape(measure)}\b", folded)))
        return float(bool(_NUMBERISH.search(folded)))
    if kind == "target":
        return float(bool(_PERCENT.search(folded) or _MONEY.search(folded)))
    if kind == "unit":
        # A named unit ("Phòng Tổ chức cán bộ", "Văn phòng Sở", "Phòng KHTC"), not just the words "đơn vị".
        owners = [_expand(fold(o)) for o in own if o]
        named = any(not any(o.startswith(_expand(fold(m.group(0)))) for o in owners)
                    for r in readings if r for m in _NAMED_UNIT.finditer(r))
        return 1.0 if named else (0.3 if _UNIT.search(folded) else 0.0)
    return 0.5
