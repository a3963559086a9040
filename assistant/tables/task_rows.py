"""Rows of task tables: portal pipe tables (one row a line in the clean view) and tables read out of PDF text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from assistant.tables import task_patterns as tp
from assistant.text.fold import fold

__all__ = ["Row", "find_tables"]

_ROW_NUMBER = re.compile(r"(\d{1,2})(?:\.\d{1,2}){0,3}\.?\s+(?=\S)")  # "1. Thực hiện", "4. 100% văn bản"
_GROUP = re.compile(r"(?:[IVX]{1,5}|[A-Z])\s*[.:|](?:\s*(?=\S)|\s*$)")  # "I. Cải cách thể chế", "A | PHÁT TRIỂN ..."
_INDEX_CELL = re.compile(r"(?:\d{1,3}(?:\.\d{1,3}){0,3}|[IVXivx]{1,5}|[a-zđA-Z])?[.)]?")
_TABLE_END = re.compile(r"(?:noi nhan|phu luc|bieu mau|mau so)\b")
_DANGLING = re.compile(r"(?:^|\s)(?:tai|cua|va|voi|cho|ve|theo|cac|nhung|duoc|de|thuc|trong|tren|tu|den|o|nhu|la)"
                       r"[\s,;]*$")
_TIME_END = re.compile(r"\s((?:Thường xuyên|Trong năm|Hằng năm|Hàng năm|(?:Quý|Quí|Tháng) [IVX\d]+(?:/\d{4})?)"
                       r"[\s,./IVX\d-]*)$")  # a time written at the end of a line that holds other cells too
_NEG = -1e9


@dataclass(frozen=True)
class Row:
    """One task row: the span of each cell in the reading, by what its column holds."""

    cells: dict[str, tuple[int, int]]  # "content" always; "lead", "partners", "deadline", "product" when present
    group: str | None  # the group heading the row stands under, as written
    table_start: int  # where the table's header starts in the reading


@dataclass(frozen=True)
class _Line:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _lines(reading: str) -> list[_Line]:
    out, pos = [], 0
    for text in reading.split("\n"):
        out.append(_Line(pos, text))
        pos += len(text) + 1
    return out


def _strip(text: str, start: int) -> tuple[int, int]:
    """Span of `text` (starting at `start`) without surrounding whitespace."""
    a = len(text) - len(text.lstrip())
    return start + a, start + len(text.rstrip())


@functools.lru_cache(maxsize=512)
def column_kinds(header: str) -> tuple[str, ...]:
    """What each column named in a header holds, in order ("content", "lead", ...), read by header words."""
    return tuple(next(k for k in tp.COLUMN_KINDS if m.group(k)) for m in tp.COLUMN.finditer(fold(header)))


def _cell_kind(cell: str) -> str | None:
    kinds = column_kinds(cell)
    return kinds[0] if kinds else None


def _is_task_header(kinds: list[str | None] | tuple[str, ...]) -> bool:
    return "content" in kinds and ("lead" in kinds or "deadline" in kinds) and sum(k is None for k in kinds) <= 1


def find_tables(reading: str) -> tuple[list[Row], list[tuple[int, int]]]:
    """Rows of every task table in the reading, and the spans of the reading the tables cover."""
    lines = _lines(reading)
    rows, covered = _pipe_tables(lines)
    more, spans = _pdf_tables(lines, covered)
    return rows + more, covered + spans


# Portal tables: the clean view puts a row on one line with " | " between cells.

def _cells(line: _Line) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for part in line.text.split("|"):
        spans.append(_strip(part, line.start + pos))
        pos += len(part) + 1
    return spans


def _pipe_tables(lines: list[_Line]) -> tuple[list[Row], list[tuple[int, int]]]:
    rows: list[Row] = []
    covered: list[tuple[int, int]] = []
    text = "\n".join(ln.text for ln in lines)
    i = 0
    while i < len(lines):
        cells = _cells(lines[i]) if "|" in lines[i].text else []
        kinds = [_cell_kind(text[a:b]) for a, b in cells]
        if len(cells) < 3 or not _is_task_header(kinds):
            i += 1
            continue
        start, group, last, j = lines[i].start, None, i, i + 1
        while j < len(lines):
            line = lines[j]
            body = line.text.strip()
            if not body:
                j += 1
                continue
            cells = _cells(line) if "|" in body else []
            if len(cells) < 2:
                if not _group_line(body):
                    break
                group, last = body, j
            elif not _is_task_header([_cell_kind(text[a:b]) for a, b in cells]):
                row = _map_cells(text, cells, kinds)
                if row is not None:
                    rows.append(Row(row, group, start))
                elif sum(b > a for a, b in cells) <= 3:  # "I | NHÓM GIẢI PHÁP ...", "5.1 |  | Thương mại |  |"
                    group = " ".join(text[a:b] for a, b in cells if b > a)
                last = j
            else:
                last = j  # a header repeated under a group heading
            j += 1
        covered.append((start, lines[last].end))
        i = last + 1
    return rows, covered


def _group_line(body: str) -> bool:
    words = body.split()
    letters = [c for c in body if c.isalpha()]
    upper = bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
    return len(words) <= 20 and (bool(_GROUP.match(body)) or upper)


def _map_cells(text: str, cells: list[tuple[int, int]], kinds: list[str | None]) -> dict[str, tuple[int, int]] | None:
    if len(cells) == len(kinds):
        pairs = list(zip(kinds, cells, strict=True))
    elif len(cells) == len(kinds) - 1 and kinds[0] == "index" and not _INDEX_CELL.fullmatch(text[slice(*cells[0])]):
        pairs = list(zip(kinds[1:], cells, strict=True))
    else:
        return None
    out = {k: span for k, span in pairs if k and k not in ("index", "group", "other") and span[1] > span[0]}
    index = next((text[slice(*span)] for k, span in pairs if k == "index"), "")
    content = text[slice(*out["content"])] if "content" in out else ""
    if len(content.split()) < 2 or not _INDEX_CELL.fullmatch(index.strip()):
        return None
    return out


# Tables in PDF text: each cell's text wrapped onto lines of its own, the cells of a row one after another in
# column order, the row starting with its number; a group cell ("I. Cải cách thể chế") before its first row.

def _pdf_tables(lines: list[_Line], skip: list[tuple[int, int]]) -> tuple[list[Row], list[tuple[int, int]]]:
    rows: list[Row] = []
    covered: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if any(a <= lines[i].start < b for a, b in skip) or not lines[i].text.strip():
            i += 1
            continue
        header = _pdf_header(lines, i)
        if header is None:
            i += 1
            continue
        kinds, j = header
        start, end = lines[i].start, lines[j - 1].end
        body: list[list[_Line]] = []
        groups: list[str | None] = []
        group_lines: list[_Line] = []
        label: str | None = None
        in_group, expected = False, 1
        while j < len(lines):
            line, body_text = lines[j], lines[j].text.strip()
            repeat = _pdf_header(lines, j) if body_text else None
            if repeat is not None:
                j = repeat[1]
                continue
            if not body_text or re.fullmatch(r"\d{1,3}", body_text):  # blank line or page number
                j += 1
                continue
            if _TABLE_END.match(fold(body_text)):
                break
            number = _ROW_NUMBER.match(body_text)
            if _GROUP.match(body_text) and not number:
                group_lines, in_group, expected = [line], True, 1
            elif number and int(number.group(1)) in (expected, 1):
                if in_group:
                    label = " ".join(ln.text.strip() for ln in group_lines)
                in_group, expected = False, int(number.group(1)) + 1
                body.append([line])
                groups.append(label)
            elif in_group:
                group_lines.append(line)
            elif body:
                body[-1].append(line)
            end = line.end
            j += 1
        names = _unit_lines([ln for row_lines in body for ln in row_lines])
        for row_lines, label in zip(body, groups, strict=True):
            cells = _split_row(row_lines, kinds, names)
            if cells is not None:
                rows.append(Row(cells, label, start))
        covered.append((start, end))
        i = j
    return rows, covered


def _pdf_header(lines: list[_Line], i: int) -> tuple[tuple[str, ...], int] | None:
    """Column kinds of a header whose words are wrapped over short lines starting at line i, and the line after."""
    first = fold(lines[i].text.strip())
    if not first or len(first) > 45 or not tp.COLUMN.match(first):
        return None
    parts: list[str] = []
    best = None
    j = i
    while j < len(lines) and len(parts) < 16:
        body = lines[j].text.strip()
        if body:
            if len(body) > 45:
                break
            parts.append(body)
            if not _made_of_column_names(parts[:-1], parts[-1]):  # the header ended a line ago
                break
            kinds = column_kinds(" ".join(parts))
            if len(kinds) >= 3 and _is_task_header(kinds) and _made_of_column_names(parts, ""):
                best = (kinds, j + 1)
        j += 1
    return best


def _made_of_column_names(done: list[str], last: str) -> bool:
    """True when every line but the last (which may end mid-name, "Cơ quan chủ" + "trì") is mostly column names."""
    joined = fold(" ".join([*done, last]))
    spans = [m.span() for m in tp.COLUMN.finditer(joined)]
    pos = 0
    for line in done:
        inside = sum(max(0, min(e, pos + len(line)) - max(s, pos)) for s, e in spans)
        if inside < 0.6 * len(line):
            return False
        pos += len(line) + 1
    return True


def _unit_lines(lines: list[_Line]) -> frozenset[str]:
    """Unit names that fill a line of their own somewhere in the table ("Phòng TCCB", "Văn phòng Sở")."""
    out = set()
    for line in lines:
        text = line.text.strip()
        if 2 <= len(text.split()) <= 6 and text[:1].isupper() and _starts_unit(text) and not _has_verb(text):
            out.add(text)
    return frozenset(out)


def _has_verb(text: str) -> bool:
    """True when a word of what units do stands in the text in lower case ("phê duyệt", "tham mưu")."""
    folded = fold(text)
    return any(text[m.start()].islower() for m in tp.PREDICATE.finditer(folded)
               if m.start() == 0 or folded[m.start() - 1] == " ")


def _pieces(row_lines: list[_Line], names: frozenset[str]) -> list[tuple[int, int, str]]:
    """The row's text cut where a cell may start: line starts, runs of 2+ spaces, a time written at a line end,
    and (after the first line) before a unit name the table writes on a line of its own ("... Phòng TCCB")."""
    out: list[tuple[int, int, str]] = []
    for n, line in enumerate(row_lines):
        pos = 0
        for part in re.split(r"( {2,}|\t)", line.text):
            if part.strip():
                a, b = _strip(part, line.start + pos)
                out.extend(_cut(a, line.text[a - line.start:b - line.start], names if n > 0 else frozenset()))
            pos += len(part)
    return out


def _cut(a: int, text: str, names: frozenset[str]) -> list[tuple[int, int, str]]:
    cuts = {0, len(text)}
    m = _TIME_END.search(text)
    if m and m.start() > 0:
        cuts.add(m.start(1))
    cuts |= {len(text) - len(name) for name in names if text.endswith(" " + name)}
    edges = sorted(cuts)
    return [(a + x, a + len(text[:y].rstrip()), text[x:y].strip()) for x, y in zip(edges, edges[1:], strict=False)
            if text[x:y].strip()]


def _split_row(row_lines: list[_Line], kinds: tuple[str, ...], names: frozenset[str]) -> dict[str, tuple[int, int]] | None:
    """Assign the row's pieces to its columns in order, the best-scoring way (dynamic programming)."""
    columns = [k for k in kinds if k not in ("index", "group")]
    if not columns or columns[0] != "content":
        return None
    pieces = _pieces(row_lines, names)
    n, m = len(pieces), len(columns)
    best: dict[tuple[int, int], tuple[float, int]] = {(0, 0): (0.0, -1)}
    for c in range(m):
        for a in range(n + 1):
            if (c, a) not in best:
                continue
            for b in range(a, n + 1):
                score = best[(c, a)][0] + _cell_score(columns[c], pieces[a:b], first=a == 0)
                if score > best.get((c + 1, b), (_NEG, 0))[0]:
                    best[(c + 1, b)] = (score, a)
    if (m, n) not in best or best[(m, n)][0] <= _NEG / 2:
        return None
    out: dict[str, tuple[int, int]] = {}
    b = n
    for c in range(m, 0, -1):
        a = best[(c, b)][1]
        if b > a and columns[c - 1] != "other":
            out[columns[c - 1]] = (pieces[a][0], pieces[b - 1][1])
        b = a
    return out


def _cell_score(kind: str, pieces: list[tuple[int, int, str]], first: bool) -> float:
    if not pieces:
        return _NEG if kind == "content" else (-0.5 if kind in ("partners", "product", "other") else -1.0)
    if kind == "content" and not first or kind != "content" and first:
        return _NEG
    texts = [p[2] for p in pieces]
    score = -4.0 if texts[0][:1].islower() else 0.0
    width = len(texts[0])
    for t in texts[1:]:
        if t[:1].isupper() and not (kind == "content" and len(t) >= 0.7 * width):
            score -= {"content": 0.3, "product": 0.5}.get(kind, 1.0)
        if kind != "content" and len(t) > 1.5 * width + 3:  # a line wider than the cell's first: another column
            score -= 2.0
        if kind in ("product", "deadline") and _starts_unit(t):  # a unit's name starts the next column
            score -= 1.5
    folded = fold(" ".join(texts))
    if _DANGLING.search(folded):
        score -= 2.0
    if kind == "deadline":
        score += 3.0 if tp.TIME_CELL.fullmatch(folded.strip(" .")) else -4.0
    elif kind in ("lead", "partners"):
        score += 1.5 if _starts_unit(" ".join(texts)) else -2.0
    elif kind == "product":
        score += 1.0 if tp.PRODUCT_START.match(folded) else 0.0
    return score


def _starts_unit(text: str) -> bool:
    """True when the text starts with the name of a unit ("Văn phòng Sở", "Các phòng, ban", "Phòng TCCB")."""
    return tp.unit_length(text) > 0
