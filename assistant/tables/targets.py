"""Deterministic extraction of the quantitative targets a plan sets (percentages, counts, amounts, deadlines)."""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.documents.structure import path_at
from assistant.restore.restorer import Restoration, to_original_span, to_restored_span
from assistant.tables import target_patterns as tx
from assistant.text.dates import iso_date
from assistant.text.fold import Folded, fold_map
from assistant.types import Document

__all__ = ["Target", "extract_targets", "targets_table"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    """One quantitative commitment: `text == document.text[start:end]` is the value as written."""

    source: str
    kind: str  # "percent", "count", "amount", "date"
    value: str  # as displayed: "70%", "2,5%", "60 biên chế", "130 triệu đồng", "2025-12-15"
    number: float | None  # 70.0, 2.5, 60.0, 130000000.0; None for dates
    unit: str | None  # "%", the counted noun, "đồng"; None for dates
    subject: str  # what the value applies to, in the readable (restored) wording
    comparator: str | None  # "tối thiểu", "ít nhất", "trên", "từ … trở lên", "đạt", "giảm", "không quá", "dưới", ...
    area: str | None  # reform area ("TTHC", "công vụ", ...)
    year: str | None  # "2023" or "2025-2030": the statement's, else the plan's period
    issuer: str | None
    province: str | None
    section: str  # "I. MỤC TIÊU > 3.3. Cải cách thủ tục hành chính"
    start: int
    end: int
    text: str
    statement_start: int  # the whole statement (bullet or sentence) in the original text
    statement_end: int
    statement: str  # the statement in the readable wording

    def to_dict(self) -> dict:
        """Plain dict for CSV/JSON."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class _View:
    """The document's readable text (restored for OCR), folded, and the maps back to the original."""

    doc: Document
    restoration: Restoration | None
    reading: str
    fd: Folded
    breaks: tuple[tuple[int, int], ...]  # clause breaks in folded reading, sorted
    starts: tuple[int, ...]  # statement starts in folded reading, sorted

    def to_folded(self, rpos: int) -> int:
        return bisect.bisect_left(self.fd.offsets, rpos)

    def to_reading(self, fpos: int) -> int:
        return self.fd.offsets[min(fpos, len(self.fd.offsets) - 1)]

    def original(self, fa: int, fb: int) -> tuple[int, int]:
        ra, rb = self.fd.span(fa, fb)
        if self.restoration is None:
            return ra, rb
        return to_original_span(self.restoration, ra, rb)

    def words(self, fa: int, fb: int) -> str:
        ra, rb = self.fd.span(fa, fb) if fb > fa else (0, 0)
        return " ".join(self.reading[ra:rb].split())


def _view(document: Document, restoration: Restoration | None) -> _View:
    reading = restoration.text if restoration is not None else document.text
    fd = fold_map(reading)
    f = fd.text
    starts = {0, len(f)}
    for s in _all_sections(document.sections):
        rs = to_restored_span(restoration, s.start, s.start + 1)[0] if restoration is not None else s.start
        starts.add(bisect.bisect_left(fd.offsets, rs))
    starts |= {m.start() + 1 for m in tx.STATEMENT_START.finditer(f)}
    breaks = sorted({(m.start(), m.end()) for m in tx.CLAUSE_BREAK.finditer(f)} | {(p, p) for p in starts})
    return _View(document, restoration, reading, fd, tuple(breaks), tuple(sorted(starts)))


def _all_sections(sections: Iterable) -> Iterable:
    for s in sections:
        yield s
        yield from _all_sections(s.children)


def extract_targets(document: Document, restoration: Restoration | None) -> list[Target]:
    """Every quantitative target of one document, in text order."""
    v = _view(document, restoration)
    f = v.fd.text
    found: list[tuple[int, int, str, str, float | None, str | None]] = []  # fa, fb, kind, value, number, unit
    for m in tx.PERCENT_RE.finditer(f):
        found.append((m.start(), m.end(), "percent", f"{m.group(1)}%", _num(m.group(1)), "%"))
    for m in tx.AMOUNT_RE.finditer(f):
        if m.group(1):
            found.append((m.start(), m.end(), "amount", f"{m.group(1)} đồng", _num(m.group(1), grouped=True), "đồng"))
        else:
            scale = {"trieu": 1e6, "ty": 1e9, "nghin": 1e3, "ngan": 1e3}[m.group(4)]
            word = {"trieu": "triệu", "ty": "tỷ", "nghin": "nghìn", "ngan": "nghìn"}[m.group(4)]
            found.append((m.start(), m.end(), "amount", f"{m.group(3)} {word} đồng", _num(m.group(3)) * scale, "đồng"))
    for m in tx.COUNT_RE.finditer(f):
        before = f[max(0, m.start() - 24):m.start()]
        if tx.NOT_COUNT_BEFORE.search(before) and not tx.COUNT_LEAD.search(before):
            continue
        noun = v.words(m.start(2), m.end(2))
        found.append((m.start(), m.end(), "count", f"{int(m.group(1))} {noun}", float(m.group(1)), noun))
    for m in tx.DEADLINE_RE.finditer(f):
        g = m.groups()
        d, mo, y = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
        iso = iso_date(int(y), int(mo), int(d))
        if iso:
            found.append((m.start(), m.end(), "date", iso, None, None))
    found.sort()
    targets: list[Target] = []
    prev_subject: dict[int, str] = {}  # clause start → subject of the last value in it (parallel lists)
    for fa, fb, kind, value, number, unit in found:
        t = _target(v, fa, fb, kind, value, number, unit, prev_subject)
        if t is not None:
            targets.append(t)
    log.debug("%s: %d targets", document.source, len(targets))
    return targets


def _num(s: str, grouped: bool = False) -> float:
    """A Vietnamese number: "," is the decimal mark and "." groups thousands (OCR also swaps them)."""
    if grouped:
        return float(re.sub(r"[.,]", "", s))
    return float(s.replace(",", "."))


def _clause(v: _View, fa: int, fb: int) -> tuple[int, int]:
    i = bisect.bisect_right(v.breaks, (fa, fa)) - 1
    cs = max((e for s, e in v.breaks[: i + 1] if e <= fa), default=0)
    j = bisect.bisect_left(v.breaks, (fb, fb))
    ce = min((s for s, _ in v.breaks[j:] if s >= fb), default=len(v.fd.text))
    return cs, ce


def _statement(v: _View, fa: int) -> tuple[int, int]:
    i = bisect.bisect_right(v.starts, fa) - 1
    return v.starts[max(i, 0)], v.starts[min(i + 1, len(v.starts) - 1)]


def _target(v: _View, fa: int, fb: int, kind: str, value: str, number: float | None, unit: str | None,
            prev_subject: dict[int, str]) -> Target | None:
    f = v.fd.text
    start, end = v.original(fa, fb)
    text = v.doc.text[start:end]
    if not re.sub(r"\D", "", text) or re.sub(r"\D", "", text) not in re.sub(r"\D", "", f[fa:fb]):
        log.debug("value %r does not map back onto the original (%r)", f[fa:fb], text)
        return None
    cs, ce = _clause(v, fa, fb)
    pre = f[cs:fa]
    comparator = _comparator(pre, f, fb)
    subject = _subject(v, fa, fb, cs, ce, kind, prev_subject)
    prev_subject[cs] = subject
    ss, se = _statement(v, fa)
    os_, oe = v.original(ss, se)
    while oe > os_ and v.doc.text[oe - 1].isspace():
        oe -= 1
    md = v.doc.metadata
    section = " > ".join(path_at(v.doc.sections, start))
    return Target(v.doc.source, kind, value, number, unit, subject, comparator,
                  _area(v, start, f[ss:se]), _year(f[ss:se]) or md.period, md.issuer, md.province, section,
                  start, end, text, os_, oe, v.words(ss, se))


def _comparator(pre: str, f: str, fb: int) -> str | None:
    tail = pre[-40:]
    name = next((n for n, rx in tx.COMPARATORS if rx.search(tail)), None)
    if tx.AT_LEAST_AFTER.match(f, fb) and name in (None, "đạt", "từ … trở lên"):
        return "từ … trở lên"
    return "từ" if name == "từ … trở lên" else name


def _subject(v: _View, fa: int, fb: int, cs: int, ce: int, kind: str, prev_subject: dict[int, str]) -> str:
    f = v.fd.text
    pre = f[cs:fa]
    if kind == "count":
        after = re.compile(r"\d+\s+(?:\([^)]*\)\s*)?").match(f, fa)
        return _after_subject(v, after.end() if after else fb, ce)
    if kind != "date":
        # "đạt (tỷ lệ) tối thiểu 70% số hồ sơ": what is measured comes before the verb, the base after it.
        stripped = re.sub(r"(?:\s*\S+){0,3}\s*$", "", _strip_comparator(pre))
        near = _strip_comparator(pre)[len(stripped):]
        if tx.VERB_BEFORE.search(" " + near) and len(stripped.split()) >= 2 and not _has_value(pre):
            return _before_subject(v, cs, fa, prev_subject)
        p = fb
        for rx in (tx.RANGE_AFTER, tx.PAREN_CLOSE, tx.AT_LEAST_AFTER):
            m = rx.match(f, p)
            p = m.end() if m else p
        rest = f[p:ce].lstrip()
        if rest[:1].isalpha() and not tx.NOT_SUBJECT_START.match(rest):
            return _after_subject(v, p, ce)
    return _before_subject(v, cs, fa, prev_subject)


def _strip_comparator(pre: str) -> str:
    for _, rx in tx.COMPARATORS:
        m = rx.search(pre[-40:])
        if m:
            return pre[: len(pre) - len(pre[-40:]) + m.start()]
    return pre


def _has_value(s: str) -> bool:
    return bool(tx.PERCENT_RE.search(s))


def _after_subject(v: _View, p: int, ce: int) -> str:
    f = v.fd.text
    nxt = tx.PERCENT_RE.search(f, p, ce)
    e = nxt.start() if nxt else ce
    stop = tx.SUBJECT_STOP.search(f, p, e)
    e = stop.start() if stop and stop.start() > p else e
    words = list(re.finditer(r"\S+", f[p:e]))[: tx.MAX_SUBJECT_WORDS]
    if not words:
        return ""
    seg = f[p:p + words[-1].end()]
    m = tx.TRAIL_WORDS.search(seg)
    e = p + (m.start() if m else len(seg))
    return _tidy(v.words(p, e))


def _before_subject(v: _View, cs: int, fa: int, prev_subject: dict[int, str]) -> str:
    f = v.fd.text
    pre = f[cs:fa]
    if _has_value(pre):  # "70% tại tuyến tỉnh, 60% tại tuyến huyện": the second shares the first's subject
        return prev_subject.get(cs, "")
    verbs = list(tx.VERB_BEFORE.finditer(pre))
    at_verb = bool(verbs) and len(pre[: verbs[-1].start()].split()) >= 2
    e = cs + (verbs[-1].start() if at_verb else len(pre))
    seg = f[cs:e]
    lead = tx.LEAD_WORDS.match(seg)
    s = cs + (lead.end() if lead else 0)
    if not at_verb:  # without a verb the comparator and "với tỷ lệ" sit right before the value
        m = tx.TRAIL_WORDS.search(f[s:e])
        e = s + (m.start() if m else e - s)
    words = list(re.finditer(r"\S+", f[s:e]))
    if len(words) > tx.MAX_SUBJECT_WORDS:
        s += words[-tx.MAX_SUBJECT_WORDS].start()
    return _tidy(v.words(s, e)) or prev_subject.get(cs, "")


def _tidy(s: str) -> str:
    s = s.strip(" ,;:.-–")
    if s.count("(") > s.count(")"):
        s = s[: s.rfind("(")].rstrip(" ,;:")
    if s.endswith(")") and s.count(")") > s.count("("):  # the value sat inside a parenthesis
        s = s[:-1].rstrip(" ,;:")
    return s


def _area(v: _View, start: int, statement: str) -> str | None:
    if tx.AREAS[0][1].search(statement):  # a satisfaction target is one wherever the plan lists it
        return tx.AREAS[0][0]
    titles = path_at(v.doc.sections, start)
    for title in reversed(titles):
        folded = fold_map(title).text
        for name, rx in tx.AREAS:
            if rx.search(folded):
                return name
    scores = [(len(rx.findall(statement)), -i, name) for i, (name, rx) in enumerate(tx.AREAS)]
    best = max(scores)
    return best[2] if best[0] else None


def _year(statement: str) -> str | None:
    for m in tx.YEAR_RANGE.finditer(statement):
        if tx.BASELINE.search(statement[: m.start()]):
            continue
        return f"{m.group(1)}-{m.group(2)}" if m.group(1) else m.group(3)
    return None


def targets_table(engine_index) -> list[Target]:
    """Targets of every indexed document (engine.index or anything with .documents and .restorations)."""
    out: list[Target] = []
    restorations = getattr(engine_index, "restorations", {}) or {}
    for source in sorted(engine_index.documents):
        out.extend(extract_targets(engine_index.documents[source], restorations.get(source)))
    return out
