"""The tasks a plan assigns (nhiệm vụ): content, lead unit, coordinating units, deadline, product, exact spans.

Tasks come from task tables (appendices: one row a task, columns named by their header words) and from prose that
assigns work to units: items under a unit's heading ("1. Công an tỉnh" / "- Chủ trì, phối hợp ..."), statements
whose subject is a unit ("Giao Văn phòng Sở chủ trì, phối hợp với ..."), and assignments in parentheses. Everything
is read in the document's readable reading (restored OCR, clean view of marked-up text) and mapped back, so
`document.text[start:end]` is the task's text as the file has it.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass

from assistant.restore.restorer import Restoration, to_original_span, to_restored_span
from assistant.tables import task_patterns as tp
from assistant.tables.task_rows import Row, find_tables
from assistant.text.fold import Folded, fold, fold_map
from assistant.types import Document, Section

__all__ = ["Task", "extract_tasks", "tasks_table"]
log = logging.getLogger(__name__)

# Item markers by level (Nghị định 30/2020/NĐ-CP: I. > 1. > 1.1. > a) > - > +); a paragraph without one is body.
_MARKER = re.compile(
    r"[ \t]*(?:(?P<roman>[IVX]{1,5})[ \t]*[.:][ \t]*|(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})[ \t]*[.)][ \t]*"
    r"|(?P<sub>\d{1,2}(?:\.\d{1,2}){1,3})[ \t]+|(?P<letter>[a-zđ])[ \t]*\)[ \t]*|(?P<dash>[-–•])[ \t]*|(?P<plus>[+*])[ \t]+)"
    r"(?=\S)")
_BODY = 8
_SHORT_PREDICATE = 10  # words: "2. Các phòng, các đơn vị chủ trì thực hiện các lĩnh vực:" heads a list, assigns nothing


@dataclass(frozen=True)
class Task:
    """One assigned task: `document.text[start:end]` is its text as written (a table cell or a prose statement)."""

    source: str
    start: int
    end: int
    content: str  # what is to be done, in the readable (restored / clean) wording
    lead: str | None  # the unit in charge (chủ trì / thực hiện)
    partners: str | None  # coordinating units (phối hợp)
    deadline: str | None  # as written: "Thường xuyên", "Quý II/2025", "trước ngày 15/12/2025"
    product: str | None  # the deliverable (sản phẩm), when stated
    section: str  # "PHỤ LỤC > II. Cải cách thủ tục hành chính", "IV. TỔ CHỨC THỰC HIỆN > 1. Sở Tài chính"
    kind: str  # "table" or "prose"

    def to_dict(self) -> dict:
        """Plain dict for CSV/JSON."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class _Statement:
    start: int  # reading offsets, marker included
    body: int  # after the marker
    end: int
    level: int


class _View:
    """The readable text of a document, its fold, and the maps back to the file."""

    def __init__(self, document: Document, reading: Restoration | None) -> None:
        self.doc = document
        self.restoration = reading
        self.text = reading.text if reading is not None else document.text
        self.fd: Folded = fold_map(self.text)
        self.headings = {self.to_reading(s.start) for s in _walk(document.sections)}

    def to_reading(self, pos: int) -> int:
        return to_restored_span(self.restoration, pos, pos + 1)[0] if self.restoration is not None else pos

    def original(self, start: int, end: int) -> tuple[int, int]:
        a, b = to_original_span(self.restoration, start, end) if self.restoration is not None else (start, end)
        text = self.doc.text
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return a, b

    def words(self, start: int, end: int) -> str:
        return " ".join(self.text[start:end].split())

    def folded(self, start: int, end: int) -> tuple[str, int]:
        """Folded text of a reading span and the folded offset it starts at."""
        fa, fb = bisect.bisect_left(self.fd.offsets, start), bisect.bisect_left(self.fd.offsets, end)
        return self.fd.text[fa:fb], fa

    def title(self, section: Section) -> str:
        """A heading as users read it: the reading's line for OCR text, the parsed title otherwise."""
        if self.restoration is None or not self.doc.ocr_damaged:
            return section.title
        start = self.to_reading(section.start)
        line_end = self.text.find("\n", start)
        return self.words(start, line_end if line_end >= 0 else len(self.text))[:160] or section.title

    def path(self, pos: int) -> list[Section]:
        out, level = [], self.doc.sections
        while (inner := next((s for s in level if s.start <= pos < s.end), None)) is not None:
            out.append(inner)
            level = inner.children
        return out


def _walk(sections: tuple[Section, ...]):
    for s in sections:
        yield s
        yield from _walk(s.children)


def extract_tasks(document: Document, reading: Restoration | None) -> list[Task]:
    """Every task a document assigns, in text order: table rows first where a table covers the text."""
    view = _View(document, reading)
    rows, covered = find_tables(view.text)
    tasks = [t for t in (_table_task(view, row) for row in rows) if t is not None]
    tasks += _prose_tasks(view, covered)
    tasks.sort(key=lambda t: (t.start, t.end))
    log.debug("%s: %d tasks (%d from tables)", document.source, len(tasks), len(rows))
    return tasks


def tasks_table(index) -> list[Task]:
    """Tasks of every indexed document (engine.index or anything with .documents and .restorations)."""
    out: list[Task] = []
    restorations = getattr(index, "restorations", {}) or {}
    for source in sorted(index.documents):
        out.extend(extract_tasks(index.documents[source], restorations.get(source)))
    return out


def _table_task(view: _View, row: Row) -> Task | None:
    a, b = row.cells["content"]
    start, end = view.original(a, b)
    if end <= start:
        return None
    values = {k: _tidy(view.words(*span)) or None for k, span in row.cells.items()}
    titles = [view.title(s) for s in view.path(view.original(row.table_start, row.table_start + 1)[0])]
    section = " > ".join([*titles, *([row.group] if row.group else [])])
    return Task(view.doc.source, start, end, values["content"] or "", values.get("lead"), values.get("partners"),
                values.get("deadline"), values.get("product"), section, "table")


def _tidy(s: str) -> str:
    return s.strip(" ,;|")


def _statements(view: _View, covered: list[tuple[int, int]]) -> list[_Statement]:
    """Items and paragraphs of the reading outside tables: a marker, a heading, or a new sentence after a blank
    line (or a closing formula) starts one; other lines continue the current one."""
    out: list[_Statement] = []
    cur: list[int] | None = None  # start, body, end, level
    blank, pos = True, 0
    for line in view.text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        body = line.strip()
        if not body or any(a <= start < b for a, b in covered):
            blank = True
            if cur and any(a <= start < b for a, b in covered):
                out.append(_Statement(*cur))
                cur = None
            continue
        m = _MARKER.match(line)
        level = _level(m) if m else _BODY
        lead = start + len(line) - len(line.lstrip())
        prev = view.text[cur[1]:cur[2]].rstrip() if cur else ""
        sentence = body[:1].isupper() and prev[-1:] in ".;:!?)" and (blank or tp.CLOSING.match(fold(body)))
        after_heading = cur is not None and cur[0] in view.headings and blank
        if cur is None or level < _BODY or lead in view.headings or after_heading or sentence:
            if cur:
                out.append(_Statement(*cur))
            cur = [lead, start + m.end() if m else lead, start + len(line.rstrip()), level]
        else:
            cur[2] = start + len(line.rstrip())
        blank = False
    if cur:
        out.append(_Statement(*cur))
    return out


def _level(m: re.Match[str]) -> int:
    if m.group("roman"):
        return 1
    if m.group("num") or m.group("sub"):
        return 2 + (m.group("num") or m.group("sub")).count(".")
    return 5 if m.group("letter") else 6 if m.group("dash") else 7


def _in_scope(view: _View, st: _Statement) -> bool:
    """True inside a section that assigns work ("Tổ chức thực hiện", "Phân công nhiệm vụ", "Trách nhiệm ...")."""
    path = view.path(view.original(st.start, st.end)[0])
    # OCR prints letters with stray marks ("THU'C HIEN"): only letters, digits and spaces count.
    return any(tp.ASSIGN_TITLE.search(re.sub(r"[^a-z0-9 ,]", "", fold(t))) for s in path for t in (s.title, view.title(s)))


def _prose_tasks(view: _View, covered: list[tuple[int, int]]) -> list[Task]:
    statements = _statements(view, covered)
    tasks: list[Task] = []
    stack: list[tuple[int, str | None]] = []  # (level, unit the items below belong to)
    absorbing: int | None = None  # level of a task ending in ":" whose sub-items belong to it
    ended: Section | None = None  # the body ends with "./." or the recipients (Nơi nhận); an appendix may follow
    for i, st in enumerate(statements):
        top = view.path(view.original(st.start, st.end)[0])[:1]
        if ended is not None and (not top or top[0] is ended):
            continue
        ended = None
        if absorbing is not None and st.level > absorbing and tasks:
            last = tasks[-1]
            tasks[-1] = Task(last.source, last.start, view.original(st.start, st.end)[1],
                             f"{last.content} {view.words(st.start, st.end)}", last.lead, last.partners,
                             last.deadline, last.product, last.section, last.kind)
            continue
        absorbing = None
        while stack and stack[-1][0] >= st.level:
            stack.pop()
        inherited = next((u for _, u in reversed(stack) if u), None)
        text = view.text[st.body:st.end]
        folded = tp.fold_aligned(text)
        if tp.RECIPIENTS.match(folded):
            ended = top[0] if top else view.doc.sections[-1] if view.doc.sections else None
            continue
        if st.level == 1 or tp.CLOSING.match(folded) or not text.strip():
            stack.append((st.level, None))
            continue
        scoped = _in_scope(view, st)
        at = _subject_start(folded) if scoped or tp.LEAD_IN.match(folded) else None
        size = tp.unit_length(text[at:]) if at is not None else 0
        unit = _tidy(" ".join(text[at:at + size].split())) if size else None
        rest = text[at + size:].strip() if size else text
        children = i + 1 < len(statements) and statements[i + 1].level > st.level
        lead: str | None = None
        if unit and (not rest.strip(" .:") or rest.startswith(":") and not rest[1:].strip()):
            stack.append((st.level, unit))  # a unit's heading: the items below are its tasks
            continue
        if unit and children and len(rest.split()) <= _SHORT_PREDICATE and not rest.startswith(":"):
            stack.append((st.level, unit))
            continue
        if unit and not (st.body == st.start and tp.CLOSING_VERB.match(fold(rest)) and text.rstrip().endswith("./.")):
            lead = unit
        elif scoped and inherited and not unit:
            lead = inherited
        paren = tp.PAREN_ASSIGNMENT.search(folded)
        if lead is None and paren:
            lead = _paren_lead(text, paren)
        stack.append((st.level, lead if unit else None))
        if lead is None:
            continue
        tasks.append(_prose_task(view, st, lead, folded, text))
        if text.rstrip().endswith(":"):
            absorbing = st.level
        if text.rstrip().endswith("/."):  # "./.": the last line of the body
            ended = top[0] if top else None
    return tasks


def _subject_start(folded: str) -> int:
    """Where the subject starts once "Giao", "Đề nghị:", "Căn cứ kế hoạch này," and the like are skipped."""
    pos = 0
    while m := tp.LEAD_IN.match(folded, pos):
        pos = m.end()
    return pos


def _paren_lead(text: str, m: re.Match[str]) -> str | None:
    size = tp.unit_length(text[m.start("body"):m.end("body")])
    return _tidy(" ".join(text[m.start("body"):m.start("body") + size].split())) or None if size else None


def _prose_task(view: _View, st: _Statement, lead: str, folded: str, text: str) -> Task:
    start, end = view.original(st.body, st.end)
    path = [s for s in view.path(start) if view.to_reading(s.start) != st.start]  # not the statement itself
    section = " > ".join(view.title(s) for s in path)
    return Task(view.doc.source, start, end, " ".join(text.split()), lead, _partners(text, folded),
                _labelled(text, folded, tp.DEADLINE_PROSE), _labelled(text, folded, (tp.PRODUCT_PROSE,)), section,
                "prose")


def _partners(text: str, folded: str) -> str | None:
    """The units named right after "phối hợp (với)", when a unit's name follows."""
    for m in tp.PARTNER_INTRO.finditer(folded):
        size = tp.unit_length(text[m.end():])
        if size:
            return _tidy(" ".join(text[m.end():m.end() + size].split())) or None
    return None


def _labelled(text: str, folded: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    for rx in patterns:
        m = rx.search(folded)
        if m:
            return _tidy(" ".join(text[m.start("value"):m.end("value")].split())).rstrip(".") or None
    return None
