"""Rows of task tables: portal pipe tables (a row a line in the clean view) and tables in PDF text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from assistant.tables import task_patterns as tp
from assistant.text.fold import fold

__all__ = ["Row", "column_kinds", "find_tables"]

_ROW_NUMBER = re.compile(r"(\d{1,2})(?:\.\d{1,2}){0,3}\.?\s+(?=\S)")  # "1. Thực hiện", "4. 100% văn bản"
_GROUP = re.compile(r"(?:[IVX]{1,5}|[A-Z])\s*[.:|](?:\s*(?=\S)|\s*$)")  # "I. Cải cách thể chế", "VII."
_INDEX_CELL = re.compile(r"(?:\d{1,3}(?:\.\d{1,3}){0,3}|[IVXivx]{1,5}|[a-zđA-Z])?[.)]?")
_TABLE_END = re.compile(r"(?:noi nhan|phu luc|bieu mau|mau so)\b")
# A cell does not end on these words: "... tại" / "Trung tâm ...", "thực" / "hiện".
_DANGLING = re.compile(r"(?:^|\s)(?:tai|cua|va|voi|cho|ve|theo|cac|nhung|duoc|de|thuc|trong|tren|tu|den|o|"
                       r"nhu|la)[\s,;]*$")
_TIME_END = re.compile(r"\s((?:Thường xuyên|Trong năm|Hằng năm|Hàng năm|(?:Quý|Quí|Tháng) [IVX\d]+"
                       r"(?:/\d{4})?)[\s,./IVX\d-]*)$")  # a time ending a line that holds other cells too
_NEG = -1e9
_MAX_CELL_LINES = 20  # a cell of a PDF-text table wraps onto at most this many lines

Piece = tuple[int, int, str]  # reading start, end, text


@dataclass(frozen=True)
class Row:
    """One task row: each cell's span in the reading and its text, by what its column holds."""

    cells: dict[str, tuple[int, int, str]]  # "content" always; "lead", "partners", "deadline", "product"
    group: str | None  # the group heading the row stands under, as written
    table_start: int  # where the table's header starts in the reading


@dataclass(frozen=True)
class _Line:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@functools.lru_cache(maxsize=512)
def column_kinds(header: str) -> tuple[str, ...]:
    """What each column named in a header holds, in order ("content", "lead", ...), read by its words."""
    return tuple(next(k for k in tp.COLUMN_KINDS if m.group(k)) for m in tp.COLUMN.finditer(fold(header)))


def _is_task_header(kinds) -> bool:
    known = "lead" in kinds or "deadline" in kinds
    return "content" in kinds and known and sum(k is None for k in kinds) <= 1


def find_tables(reading: str) -> tuple[list[Row], list[tuple[int, int]]]:
    """Rows of every task table in the reading, and the spans of the reading the tables cover."""
    lines, pos = [], 0
    for text in reading.split("\n"):
        lines.append(_Line(pos, text))
        pos += len(text) + 1
    rows, covered = _pipe_tables(reading, lines)
    more, spans = _pdf_tables(lines, covered)
    return rows + more, covered + spans


def _strip(text: str, start: int) -> tuple[int, int]:
    return start + len(text) - len(text.lstrip()), start + len(text.rstrip())


# Portal tables: the clean view puts a row on one line with " | " between cells.

def _cells(line: _Line) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for part in line.text.split("|"):
        spans.append(_strip(part, line.start + pos))
        pos += len(part) + 1
    return spans if len(spans) > 1 else []


def _pipe_tables(text: str, lines: list[_Line]) -> tuple[list[Row], list[tuple[int, int]]]:
    rows: list[Row] = []
    covered: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        kinds = [(column_kinds(text[a:b]) or (None,))[0] for a, b in _cells(lines[i])]
        if len(kinds) < 3 or not _is_task_header(kinds):
            i += 1
            continue
        start, group, last = lines[i].start, None, i
        for j in range(i + 1, len(lines)):
            body, cells = lines[j].text.strip(), _cells(lines[j])
            if not body:
                continue
            if not cells and not _group_line(body):
                break
            last = j
            if not cells:
                group = body
            elif not _is_task_header([(column_kinds(text[a:b]) or (None,))[0] for a, b in cells]):
                row = _map_cells(text, cells, kinds)  # a header repeated under a group heading is skipped
                if row is not None:
                    rows.append(Row(row, group, start))
                elif sum(b > a for a, b in cells) <= 3:  # "I | NHÓM GIẢI PHÁP", "5.1 |  | Thương mại |  |"
                    group = " ".join(text[a:b] for a, b in cells if b > a)
        covered.append((start, lines[last].end))
        i = last + 1
    return rows, covered


def _group_line(body: str) -> bool:
    letters = [c for c in body if c.isalpha()]
    upper = bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
    return len(body.split()) <= 20 and (bool(_GROUP.match(body)) or upper)


def _map_cells(text: str, cells: list[tuple[int, int]], kinds: list) -> dict | None:
    first = text[slice(*cells[0])]
    if len(cells) == len(kinds) - 1 and kinds[0] == "index" and not _INDEX_CELL.fullmatch(first):
        kinds = kinds[1:]  # the number column left empty and dropped
    if len(cells) != len(kinds):
        return None
    pairs = list(zip(kinds, cells, strict=True))
    index = next((text[a:b] for k, (a, b) in pairs if k == "index"), "")
    skip = (None, "index", "group", "other")
    out = {k: (a, b, text[a:b]) for k, (a, b) in pairs if k not in skip and b > a}
    if len(out.get("content", (0, 0, ""))[2].split()) < 2 or not _INDEX_CELL.fullmatch(index.strip()):
        return None
    return out


# Tables in PDF text: each cell's text wrapped onto lines of its own, the cells of a row one after another in
# column order, the row starting with its number; a group cell ("I. Cải cách thể chế") before its first row.

def _pdf_tables(lines: list[_Line], skip: list[tuple[int, int]]) -> tuple[list[Row], list[tuple[int, int]]]:
    rows: list[Row] = []
    covered: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        header = None if any(a <= lines[i].start < b for a, b in skip) else _pdf_header(lines, i)
        if header is None:
            i += 1
            continue
        kinds, j = header
        start, end = lines[i].start, lines[j - 1].end
        body: list[tuple[list[_Line], str | None]] = []  # the lines of each row and its group heading
        group: list[_Line] = []
        label, in_group, expected = None, False, 1
        while j < len(lines):
            line, text = lines[j], lines[j].text.strip()
            repeat = _pdf_header(lines, j) if text else None  # the header again on a new page
            if repeat is not None or not text or re.fullmatch(r"\d{1,3}", text):  # or a page number
                j = repeat[1] if repeat else j + 1
                continue
            if _TABLE_END.match(fold(text)):
                break
            number = _ROW_NUMBER.match(text)
            if _GROUP.match(text) and not number:
                group, in_group, expected = [line], True, 1
            elif number and int(number.group(1)) in (expected, 1):
                label = " ".join(ln.text.strip() for ln in group) if in_group else label
                in_group, expected = False, int(number.group(1)) + 1
                body.append(([line], label))
            elif in_group:
                group.append(line)
            elif body:
                body[-1][0].append(line)
            end, j = line.end, j + 1
        names = _unit_lines([ln for row_lines, _ in body for ln in row_lines])
        for row_lines, row_group in body:
            cells = _split_row(row_lines, kinds, names)
            if cells is not None:
                rows.append(Row(cells, row_group, start))
        covered.append((start, end))
        i = j
    return rows, covered


def _pdf_header(lines: list[_Line], i: int) -> tuple[tuple[str, ...], int] | None:
    """Column kinds of a header whose names wrap over short lines from line i, and the line after it."""
    first = fold(lines[i].text.strip())
    if not first or len(first) > 45 or not tp.COLUMN.match(first):
        return None
    parts: list[str] = []
    best = None
    for j in range(i, min(len(lines), i + 32)):
        body = lines[j].text.strip()
        if not body:
            continue
        if len(body) > 45 or len(parts) == 16 or not _made_of_column_names(parts, body):
            break
        parts.append(body)
        kinds = column_kinds(" ".join(parts))
        if len(kinds) >= 3 and _is_task_header(kinds) and _made_of_column_names(parts, ""):
            best = (kinds, j + 1)
    return best


def _made_of_column_names(done: list[str], last: str) -> bool:
    """True when every line but the last (which may end mid-name: "Cơ quan chủ" + "trì") is mostly names."""
    joined = fold(" ".join([*done, last]))
    spans = [m.span() for m in tp.COLUMN.finditer(joined)]
    pos = 0
    for line in done:
        if sum(max(0, min(e, pos + len(line)) - max(s, pos)) for s, e in spans) < 0.6 * len(line):
            return False
        pos += len(line) + 1
    return True


def _unit_lines(lines: list[_Line]) -> frozenset[str]:
    """Unit names that fill a line of their own somewhere in the table ("Phòng TCCB", "Văn phòng Sở")."""
    out = set()
    for line in lines:
        text = line.text.strip()
        whole = tp.unit_length(text) == len(text.rstrip(" ,;."))
        if 2 <= len(text.split()) <= 6 and text[:1].isupper() and whole:
            out.add(text)
    return frozenset(out)


def _pieces(row_lines: list[_Line], names: frozenset[str]) -> list[Piece]:
    """The row's text cut wherever a cell may start."""
    # At line starts, runs of 2+ spaces, a time ending a line, and (after the row's first line) before a unit
    # name the table writes alone on a line elsewhere ("Văn bản hướng dẫn Phòng TCCB").
    out: list[Piece] = []
    for n, line in enumerate(row_lines):
        pos = 0
        for part in re.split(r"( {2,}|\t)", line.text):
            if part.strip():
                a, b = _strip(part, line.start + pos)
                text = line.text[a - line.start:b - line.start]
                cuts = {0, len(text)}
                m = _TIME_END.search(text)
                if m and m.start() > 0:
                    cuts.add(m.start(1))
                if n > 0:
                    cuts |= {len(text) - len(name) for name in names if text.endswith(" " + name)}
                edges = sorted(cuts)
                out += [(a + x, a + len(text[:y].rstrip()), text[x:y].strip())
                        for x, y in zip(edges, edges[1:], strict=False)]
            pos += len(part)
    return out


def _split_row(row_lines: list[_Line], kinds: tuple[str, ...], names: frozenset[str]):
    """Assign the row's pieces to its columns in order, the best-scoring way (dynamic programming)."""
    columns = [k for k in kinds if k not in ("index", "group")]
    if not columns or columns[0] != "content":
        return None
    pieces = _pieces(row_lines, names)
    n, m = len(pieces), len(columns)
    best: dict[tuple[int, int], tuple[float, int]] = {(0, 0): (0.0, -1)}
    for c in range(m):
        for a in range(n + 1):
            if (c, a) in best:
                for b in range(a, min(n, a + _MAX_CELL_LINES) + 1):
                    score = best[(c, a)][0] + _cell_score(columns[c], pieces[a:b], first=a == 0)
                    if score > best.get((c + 1, b), (_NEG, 0))[0]:
                        best[(c + 1, b)] = (score, a)
    if best.get((m, n), (_NEG, 0))[0] <= _NEG / 2:
        return None
    out: dict[str, tuple[int, int, str]] = {}
    b = n
    for c in range(m, 0, -1):
        a = best[(c, b)][1]
        if b > a and columns[c - 1] != "other":  # text joined from the pieces: a page break may lie between
            out[columns[c - 1]] = (pieces[a][0], pieces[b - 1][1], " ".join(p[2] for p in pieces[a:b]))
        b = a
    start, end, text = out["content"]
    number = _ROW_NUMBER.match(text)  # the row's number is not part of the task
    out["content"] = (start + number.end(), end, text[number.end():]) if number else (start, end, text)
    return out


def _cell_score(kind: str, pieces: list[Piece], first: bool) -> float:
    """How well the pieces read as one cell of the column: kind of text, where its lines start, width."""
    if not pieces:
        return _NEG if kind == "content" else (-0.5 if kind in ("partners", "product", "other") else -1.0)
    if (kind == "content") != first:
        return _NEG
    texts = [p[2] for p in pieces]
    score = -4.0 if texts[0][:1].islower() else 0.0  # a cell starts with a capital
    width = len(texts[0])
    for t in texts[1:]:
        if t[:1].isupper() and not (kind == "content" and len(t) >= 0.7 * width):
            score -= {"content": 0.3, "product": 0.5}.get(kind, 1.0)
        if kind != "content" and len(t) > 1.5 * width + 3:  # wider than the cell's first line: another column
            score -= 2.0
        if kind in ("product", "deadline") and _is_unit(t):  # a unit's name starts the next column
            score -= 1.5
    folded = _fold(" ".join(texts))
    if _DANGLING.search(folded):
        score -= 2.0
    if kind == "deadline":
        score += 3.0 if tp.TIME_CELL.fullmatch(folded.strip(" .")) else -4.0
    elif kind in ("lead", "partners"):
        score += 1.5 if _is_unit(" ".join(texts)) else -2.0
    elif kind == "product":
        score += 1.0 if tp.PRODUCT_START.match(folded) else 0.0
    return score


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    return fold(text)


@functools.lru_cache(maxsize=4096)
def _is_unit(text: str) -> bool:
    return tp.unit_length(text) > 0
