"""Section tree from the headings Vietnamese administrative documents use, robust to OCR damage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.fold import fold
from assistant.types import Section

# Heading levels by numbering style (Nghị định 30/2020/NĐ-CP, Phụ lục I: I. > 1. > 1.1. > a)).
ROMAN, NUMBER, SUBNUMBER, SUBSUB, LETTER = 1, 2, 3, 4, 5

_PREFIX = r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*[‘'\"“~]?[ \t]*"
# OCR reads the strokes of roman numerals as l, 1, | or ! ("Il." for II., "I1l." for III.).
_ROMAN_RE = re.compile(_PREFIX + r"([IVXl1|!]{1,5})[ \t]*[.:][ \t]*(?=\S)(?!\d)")
_SUBSUB_RE = re.compile(_PREFIX + r"(\d{1,2})\.(\d{1,2})\.(\d{1,2})\.?[ \t]+(?=\S)")
_SUB_RE = re.compile(_PREFIX + r"(\d{1,2})\.(\d{1,2})\.?[ \t]+(?=\S)")
_NUM_RE = re.compile(_PREFIX + r"(\d{1,2})[.)][ \t]+(?=[^\W\d_])")
_LETTER_RE = re.compile(_PREFIX + r"([a-zđ])\)[ \t]*(?=\S)")
# Parts, chapters, sections and articles: "Phần I", "Chương II", "Mục 1", "Điều 5." (folded, marks stripped).
_ARTICLE_KINDS = ("phan", "chuong", "muc", "dieu")
_ARTICLE_RE = re.compile(r"(phan|chuong|muc|dieu)\s+(?:[ivxlc]{1,6}|\d{1,3}[a-z]?)(?:\s*[.:]|\s*$|\s+[^\W\d_])")
_MD_HEADING_RE = re.compile(r"^[ \t]*(#{1,6})[ \t]+(\S.*)$")
_BOLD_LINE_RE = re.compile(r"^[ \t]*\*\*(.+?)\*\*[ \t]*$")

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


@dataclass(frozen=True)
class Heading:
    """A heading line: where it starts, its level and its title as written."""

    start: int
    end: int  # end of the heading line
    level: int
    title: str


def roman_value(token: str) -> int | None:
    """Value of a roman numeral read through OCR noise, or None when it is not one."""
    if not any(c in "IVXl|" for c in token):  # "1." alone is an arabic heading
        return None
    token = re.sub(r"[l1|!]", "I", token)
    if set(token) - set("IVX"):
        return None
    total, prev = 0, 0
    for c in reversed(token):
        v = _ROMAN_VALUES[c]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total if 0 < total <= 30 else None


def _clean_title(line: str) -> str:
    """Heading text without Markdown marks, collapsed to one line."""
    line = re.sub(r"^[ \t]*#{1,6}[ \t]*", "", line)
    line = line.replace("**", "").replace("__", "")
    return " ".join(line.split()).strip(" *_")[:160]


def _classify(line: str, in_appendix: bool) -> int | None:
    """The heading level of a line, or None for body text."""
    folded = fold(line).strip(" \t*#_")
    if re.match(r"phu luc\b", folded) or re.match(r"noi nhan\s*:", folded):
        return ROMAN
    art = _ARTICLE_RE.match(folded)
    if art and line.lstrip(" \t*#_")[:1].isupper():
        return -(1 + _ARTICLE_KINDS.index(art.group(1)))  # placed above the numbered levels by find_headings
    m = _ROMAN_RE.match(line)
    if m and roman_value(m.group(1)):
        return ROMAN + 1 if in_appendix else ROMAN
    if _SUBSUB_RE.match(line):
        return SUBSUB
    if _SUB_RE.match(line):
        return SUBNUMBER
    m = _NUM_RE.match(line)
    if m and int(m.group(1)) > 0:
        return NUMBER + 1 if in_appendix else NUMBER
    if _LETTER_RE.match(line):
        return LETTER
    md = _MD_HEADING_RE.match(line)
    if md:
        return min(len(md.group(1)) + 1, LETTER + 1)
    if _BOLD_LINE_RE.match(line):
        return LETTER + 1
    return None


def _is_appendix_start(line: str, next_line: str) -> bool:
    """An appendix begins at "Phụ lục" or at a title followed by "(Kèm theo ...)", the usual attachment note."""
    folded = fold(line).strip(" \t*#_")
    if re.match(r"phu luc\b", folded):
        return True
    # the title is in capitals: "(Kèm theo ...)" after a sentence of the body announces the appendix instead
    return _capitals(line) and re.match(r"\(\s*kem theo\b", fold(next_line).strip(" *_")) is not None


def find_headings(text: str) -> list[Heading]:
    """Every heading line of the text, in order."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    headings: list[Heading] = []
    in_appendix = False
    for i, (start, line) in enumerate(lines):
        if not line.strip():
            continue
        following = next((ln for _, ln in lines[i + 1 : i + 4] if ln.strip()), "")
        if _is_appendix_start(line, following):
            first = _paragraph_start(lines, i)
            if not (headings and headings[-1].level == ROMAN and headings[-1].start >= lines[max(0, first - 8)][0]
                    and in_appendix):
                in_appendix = True
                a = lines[first][0]
                title = _clean_title(" ".join(ln for _, ln in lines[first : i + 1]))
                headings = [h for h in headings if h.start < a]
                headings.append(Heading(a, start + len(line), ROMAN, title))
            continue
        level = _classify(line, in_appendix)
        if level is None:
            continue
        title = _clean_title(line)
        if in_appendix and level == ROMAN + 1:
            # PDF tables put one cell per line: "II. Cải / cách thủ / tục hành / chính" is one group heading.
            title = _join_cell(lines, i)
        headings.append(Heading(start, start + len(line), level, title))
    return _rank_articles(headings)


def _paragraph_start(lines: list[tuple[int, str]], i: int) -> int:
    """Index of the first line of the paragraph (no blank line between) that line i ends."""
    # An appendix title is written in capitals; a wrapped one continues over capital lines.
    while i > 0 and _capitals(lines[i][1]) and _capitals(lines[i - 1][1]) and not _is_appendix_start(lines[i - 1][1], ""):
        i -= 1
    return i


def _capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)


def _rank_articles(headings: list[Heading]) -> list[Heading]:
    """Article-style kinds present (Phần, Chương, Mục, Điều) take the top levels in that order; the numbered
    levels (I., 1., a)) nest below the deepest of them, as khoản and điểm nest in an article."""
    kinds = sorted({-h.level for h in headings if h.level < 0})
    if not kinds:
        return headings
    rank = {k: n + 1 for n, k in enumerate(kinds)}
    shift = len(kinds) - 1
    out = []
    for h in headings:
        level = rank[-h.level] if h.level < 0 else h.level + shift
        title = h.title if h.level >= 0 else re.split(r"(?<=\S)\.\s", h.title, maxsplit=2)[:2]
        title = title if isinstance(title, str) else ". ".join(title)[:160]
        out.append(Heading(h.start, h.end, level, title))
    return out


def _join_cell(lines: list[tuple[int, str]], i: int) -> str:
    """A table cell wrapped over short lines, rejoined until the next numbered row."""
    parts = [lines[i][1].strip()]
    for _, ln in lines[i + 1 : i + 8]:
        if not ln.strip():
            continue
        if _NUM_RE.match(ln) or len(ln.strip()) > 20:
            break
        parts.append(ln.strip())
    return _clean_title(" ".join(parts))


def build_tree(text: str, headings: list[Heading] | None = None) -> tuple[Section, ...]:
    """Nest headings by level; text before the first heading is a level-1 "preamble" section."""
    headings = find_headings(text) if headings is None else headings
    nodes: list[tuple[Heading, int]] = []  # heading, end
    for idx, h in enumerate(headings):
        end = len(text)
        for later in headings[idx + 1 :]:
            if later.level <= h.level:
                end = later.start
                break
        nodes.append((h, end))

    def children_of(lo: int, hi: int, parent_level: int) -> tuple[Section, ...]:
        out = []
        i = lo
        while i < hi:
            h, end = nodes[i]
            j = i + 1
            while j < hi and nodes[j][0].start < end:
                j += 1
            out.append(Section(h.title, h.level, h.start, end, children_of(i + 1, j, h.level)))
            i = j
        return tuple(out)

    # Everything before the first top-level heading (header, title, "Căn cứ ..." preamble) is one section, so
    # headings it holds ("## KẾ HOẠCH", a bold title) nest inside it instead of standing beside "I.".
    first_top = next((i for i, (h, _) in enumerate(nodes) if h.level == ROMAN), len(nodes))
    first = nodes[first_top][0].start if first_top < len(nodes) else len(text)
    top = children_of(first_top, len(nodes), 0)
    if first > 0 and text[:first].strip():
        top = (Section("Phần đầu", ROMAN, 0, first, children_of(0, first_top, ROMAN)),) + top
    return top


def leaves(sections: tuple[Section, ...]) -> list[tuple[Section, list[str], int, bool]]:
    """Body spans in document order: (span, path of titles, index of its top-level section, starts at a heading).

    A section's own text before its first child is a leaf of its own, so every character is in exactly one leaf.
    """
    out: list[tuple[Section, list[str], int, bool]] = []

    def walk(sec: Section, path: list[str], top: int) -> None:
        path = path + [sec.title]
        cursor = sec.start
        for child in sec.children:
            if child.start > cursor:
                out.append((Section(sec.title, sec.level, cursor, child.start), path, top, cursor == sec.start))
            walk(child, path, top)
            cursor = child.end
        if sec.end > cursor:
            out.append((Section(sec.title, sec.level, cursor, sec.end), path, top, cursor == sec.start))

    for i, sec in enumerate(sections):
        walk(sec, [], i)
    return out


def path_at(sections: tuple[Section, ...], pos: int) -> list[str]:
    """Titles of the sections containing an offset, outermost first."""
    path: list[str] = []
    level = sections
    while True:
        inner = next((s for s in level if s.start <= pos < s.end), None)
        if inner is None:
            return path
        path.append(inner.title)
        level = inner.children


def count_sections(sections: tuple[Section, ...]) -> int:
    """Number of sections in the tree."""
    return sum(1 + count_sections(s.children) for s in sections)
