"""Tasks assigned in prose: items under a unit's heading, statements with a unit as subject, labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.restore.restorer import Restoration, to_original_span, to_restored_span
from assistant.tables import task_patterns as tp
from assistant.text.fold import fold
from assistant.types import Document, Section

__all__ = ["View", "prose_tasks"]

# Item markers by level (Nghị định 30/2020/NĐ-CP: I. > 1. > 1.1. > a) > - > +); a paragraph without is body.
_MARKER = re.compile(
    r"[ \t]*(?:(?P<roman>[IVX]{1,5})[ \t]*[.:][ \t]*|(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})[ \t]*[.)][ \t]*"
    r"|(?P<sub>\d{1,2}(?:\.\d{1,2}){1,3})[ \t]+|(?P<letter>[a-zđ])[ \t]*\)[ \t]*|(?P<dash>[-–•])[ \t]*"
    r"|(?P<plus>[+*])[ \t]+)(?=\S)")
_BODY = 8
_SHORT_PREDICATE = 10  # words: "2. Các phòng, các đơn vị chủ trì thực hiện các lĩnh vực:" heads a list
_ROLE = re.compile(r"chu\s+tri|phoi\s+hop|thuc\s+hien")


class View:
    """The readable text of a document (restored OCR, clean view of marked-up text) and maps to the file."""

    def __init__(self, document: Document, reading: Restoration | None) -> None:
        self.doc = document
        self.restoration = reading
        self.text = reading.text if reading is not None else document.text
        self.headings = {self.to_reading(s.start) for s in _walk(document.sections)}

    def to_reading(self, pos: int) -> int:
        return to_restored_span(self.restoration, pos, pos + 1)[0] if self.restoration is not None else pos

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The file span of a reading span, without surrounding whitespace."""
        r = self.restoration
        a, b = to_original_span(r, start, end) if r is not None else (start, end)
        text = self.doc.text
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return a, b

    def words(self, start: int, end: int) -> str:
        return " ".join(self.text[start:end].split())

    def title(self, section: Section) -> str:
        """A heading as users read it: the reading's line for OCR text, the parsed title otherwise."""
        if self.restoration is None or not self.doc.ocr_damaged:
            return section.title
        start = self.to_reading(section.start)
        line_end = self.text.find("\n", start)
        return self.words(start, line_end if line_end >= 0 else len(self.text))[:160] or section.title

    def path(self, pos: int) -> list[Section]:
        """The sections containing a file offset, outermost first."""
        out, level = [], self.doc.sections
        while (inner := next((s for s in level if s.start <= pos < s.end), None)) is not None:
            out.append(inner)
            level = inner.children
        return out


def _walk(sections: tuple[Section, ...]):
    for s in sections:
        yield s
        yield from _walk(s.children)


@dataclass
class _Statement:
    start: int  # reading offsets, marker included
    body: int  # after the marker
    end: int
    level: int
    task: dict | None = None


def prose_tasks(view: View, covered: list[tuple[int, int]]) -> list[dict]:
    """Tasks of the prose outside tables: dicts with the Task fields but source and kind."""
    statements = _statements(view, covered)
    stack: list[tuple[int, str | None]] = []  # (level, unit the items below belong to)
    absorbing: _Statement | None = None  # a task ending in ":" whose sub-items belong to it
    ended: Section | None = None  # the body ends with "./." or the recipients (Nơi nhận); appendices follow
    for i, st in enumerate(statements):
        top = view.path(view.original(st.start, st.end)[0])[:1]
        if ended is not None and (not top or top[0] is ended):
            continue
        ended = None
        if absorbing is not None and st.level > absorbing.level:
            absorbing.task["end"] = view.original(st.start, st.end)[1]
            absorbing.task["content"] += " " + view.words(st.start, st.end)
            continue
        absorbing = None
        while stack and stack[-1][0] >= st.level:
            stack.pop()
        text = view.text[st.body:st.end]
        folded = tp.fold_aligned(text)
        if tp.RECIPIENTS.match(folded):
            ended = top[0] if top else None
            continue
        children = i + 1 < len(statements) and statements[i + 1].level > st.level
        inherited = next((u for _, u in reversed(stack) if u), None)
        unit, lead = _assignee(view, st, text, folded, children, inherited)
        stack.append((st.level, unit))
        if lead is not None:
            st.task = _task(view, st, lead, folded, text)
            absorbing = st if text.rstrip().endswith(":") else None
        if text.rstrip().endswith("./."):  # the mark that ends the body of a document
            ended = top[0] if top else None
    _labelled_blocks(view, statements)
    return [st.task for st in statements if st.task is not None]


def _statements(view: View, covered: list[tuple[int, int]]) -> list[_Statement]:
    """Items and paragraphs of the reading outside tables, with their marker's level."""
    # A marker, a heading, or a new sentence after a blank line (or a closing formula) starts a statement;
    # other lines continue the current one (OCR and PDF text wrap lines, often with blank lines between).
    out: list[_Statement] = []
    cur: _Statement | None = None
    blank, pos = True, 0
    for line in view.text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        body = line.strip()
        in_table = any(a <= start < b for a, b in covered)
        if not body or in_table:
            blank = True
            if cur and in_table:
                out.append(cur)
                cur = None
            continue
        m = _MARKER.match(line)
        if m and m.group("dash") and body[m.end() - (len(line) - len(line.lstrip())):][:1].islower() and cur \
                and view.text[cur.body:cur.end].rstrip()[-1:] not in ".;:!?":
            m = None  # "tổ chức chính trị\n- xã hội": a hyphen that a line break put first, not an item
        level = _level(m) if m else _BODY
        lead = start + len(line) - len(line.lstrip())
        prev = view.text[cur.body:cur.end].rstrip() if cur else ""
        sentence = body[:1].isupper() and prev[-1:] in ".;:!?)" and (blank or tp.CLOSING.match(fold(body)))
        after_heading = cur is not None and cur.start in view.headings and blank
        if cur is None or level < _BODY or lead in view.headings or after_heading or sentence:
            if cur:
                out.append(cur)
            cur = _Statement(lead, start + m.end() if m else lead, start + len(line.rstrip()), level)
        else:
            cur.end = start + len(line.rstrip())
        blank = False
    if cur:
        out.append(cur)
    return out


def _level(m: re.Match[str]) -> int:
    if m.group("roman"):
        return 1
    if m.group("num") or m.group("sub"):
        return 2 + (m.group("num") or m.group("sub")).count(".")
    return 5 if m.group("letter") else 6 if m.group("dash") else 7


def _in_scope(view: View, st: _Statement) -> bool:
    """True inside a section that assigns work ("Tổ chức thực hiện", "Phân công nhiệm vụ", ...)."""
    path = view.path(view.original(st.start, st.end)[0])
    # OCR prints letters with stray marks ("THU'C HIEN"): only letters, digits and spaces count.
    return any(tp.ASSIGN_TITLE.search(re.sub(r"[^a-z0-9 ,]", "", fold(t)))
               for s in path for t in (s.title, view.title(s)))


def _assignee(view: View, st: _Statement, text: str, folded: str, children: bool,
              inherited: str | None) -> tuple[str | None, str | None]:
    """(the unit the items below belong to, the lead of this statement's task), None where there is none."""
    if st.level == 1 or tp.CLOSING.match(folded) or tp.LABEL.match(folded) or not text.strip():
        return None, None
    scoped = _in_scope(view, st)
    at, giao = _subject_start(folded)
    size = tp.unit_length(text[at:]) if scoped or giao else 0
    if size and at and text[at].islower() and not _proper(text[at:at + size]):
        size = 0  # "Trên cơ sở đề xuất của các cơ quan, đơn vị được giao ...": still inside the lead-in
    unit = _tidy(" ".join(text[at:at + size].split())) if size else None
    rest = text[at + size:].strip()
    if unit is None:
        paren = tp.PAREN_ASSIGNMENT.search(folded)
        if scoped and inherited:
            return None, inherited
        return None, _name_at(text, paren.start("body")) if paren else None
    short = children and len(rest.split()) <= _SHORT_PREDICATE and not rest.startswith(":")
    if not rest.strip(" .:;") or short:
        # A unit's heading: the items below are its tasks. The whole heading names the unit ("Các chủ đầu tư
        # xây dựng và kinh doanh hạ tầng KCN") unless it says what the units do ("... chủ trì thực hiện ...").
        whole = _tidy(" ".join(text[at:].split())).rstrip(".:")
        return (unit if _ROLE.search(tp.fold_aligned(rest)) else whole), None
    request = tp.REQUEST.match(tp.fold_aligned(rest))
    if request and st.body == st.start:  # "UBND tỉnh yêu cầu các sở, ngành ...": a closing request
        if _field(rest, tp.fold_aligned(rest), tp.DEADLINE_PROSE) is None:
            return None, None  # an exhortation without a deadline assigns nothing
        return None, _name_at(rest, request.end())
    if inherited and set(_key(unit).split()) <= set(_key(inherited).split()):
        unit = inherited  # "Khuyến khích các doanh nghiệp ..." under "Các doanh nghiệp thứ cấp trong KCN"
    return unit, unit


def _proper(name: str) -> bool:
    """A subject after a lead-in: "các sở, ngành", or a name with a capital ("lãnh đạo Sở Y tế")."""
    words = name.split()
    return words[0].lower() in ("các", "những", "mọi") or any(w[:1].isupper() for w in words)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9 ]", " ", fold(name))


def _tidy(s: str) -> str:
    return s.strip(" ,;|")


def _subject_start(folded: str) -> tuple[int, bool]:
    """Where the subject starts, and whether the statement gives work ("Giao ...")."""
    pos, giao = _skip_lead_ins(folded, 0, False)
    # A short topic before a colon is not the subject: "Thực hiện mở tài khoản: UBND xã, phường phối hợp ..."
    topic = _TOPIC.match(folded, pos)
    if topic and not tp.UNIT_HEAD.match(folded, pos):
        return _skip_lead_ins(folded, topic.end(), giao)
    return pos, giao


def _skip_lead_ins(folded: str, pos: int, giao: bool) -> tuple[int, bool]:
    """Past "Giao", "Đề nghị:", "Căn cứ kế hoạch này,", "Sau khi ...," and the like."""
    while m := tp.LEAD_IN.match(folded, pos):
        giao = giao or bool(tp.GIAO.match(folded, pos))
        pos = m.end()
    return pos, giao


_TOPIC = re.compile(r"[^:;.]{3,120}:\s*")


def _name_at(text: str, pos: int) -> str | None:
    size = tp.unit_length(text[pos:])
    return _tidy(" ".join(text[pos:pos + size].split())) or None if size else None


def _task(view: View, st: _Statement, lead: str, folded: str, text: str) -> dict:
    start, end = view.original(st.body, st.end)
    path = [s for s in view.path(start) if view.to_reading(s.start) != st.start]  # not the statement itself
    partners = next((p for m in tp.PARTNER_INTRO.finditer(folded) if (p := _name_at(text, m.end()))), None)
    return {"start": start, "end": end, "content": " ".join(text.split()), "lead": lead, "partners": partners,
            "deadline": _field(text, folded, tp.DEADLINE_PROSE),
            "product": _field(text, folded, (tp.PRODUCT_PROSE,)),
            "section": " > ".join(map(view.title, path))}


def _field(text: str, folded: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    for rx in patterns:
        m = rx.search(folded)
        if m:
            return _tidy(" ".join(text[m.start("value"):m.end("value")].split())).rstrip(".") or None
    return None


def _labelled_blocks(view: View, statements: list[_Statement]) -> None:
    """Items under labelled fields become tasks of the unit, partners and time the labels name."""
    # "a) Giải pháp: - ... - ...  b) Thời gian thực hiện: Z  c) Đơn vị thực hiện: X chủ trì, phối hợp Y":
    # the block is every statement under the label's parent ("2. Công tác chỉ đạo"), before or after it.
    for i, st in enumerate(statements):
        m = tp.LABEL.match(tp.fold_aligned(view.text[st.body:st.end]))
        if not m or not m.group("unit"):
            continue
        parent = next((j for j in range(i - 1, -1, -1) if statements[j].level < st.level), -1)
        limit = statements[parent].level if parent >= 0 else 0
        block: list[_Statement] = []
        for s in statements[parent + 1:]:
            if s.level <= limit:
                break
            block.append(s)
        value = view.text[st.body + m.end():st.end]
        lead = _name_at(value, 0)
        if lead is None:
            continue
        folded_value = tp.fold_aligned(value)
        partners = next((p for p_m in tp.PARTNER_INTRO.finditer(folded_value)
                         if (p := _name_at(value, p_m.end()))), None)
        deadline = next((_tidy(view.words(s.body + d.end(), s.end)).rstrip(".") for s in block
                         if (d := tp.LABEL.match(tp.fold_aligned(view.text[s.body:s.end])))
                         and d.group("time")), None)
        for k, s in enumerate(block):
            text = view.text[s.body:s.end]
            ends_list = text.rstrip().endswith(":") and k + 1 < len(block) and block[k + 1].level > s.level
            if s.task is None and not tp.LABEL.match(tp.fold_aligned(text)) and not ends_list:
                s.task = _task(view, s, lead, tp.fold_aligned(text), text)
                s.task.update(partners=partners, deadline=deadline or s.task["deadline"])
