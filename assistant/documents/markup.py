"""The reading layer for marked-up text: a clean view of Markdown, pipe tables and HTML leftovers, mapped back.

Text saved from legal portals carries `**bold**` and `*italic*` marks, table cells on lines of their own between
`|` lines (two `|` lines in a row end a table row), Markdown pipe rows, `#` headings, `<br>` tags, and line breaks in
the middle of sentences and header fields. The clean view drops the marks, joins each table row onto one line with
" | " between cells, joins wrapped lines of a paragraph, and keeps a token map back to the file, so every passage is
still an exact span of the original (the view is carried as a second reading, like an OCR restoration).
"""

from __future__ import annotations

import re

from assistant.restore.restorer import Restoration

_PIPE_ONLY = re.compile(r"[ \t]*\|[ \t]*")
_RULE = re.compile(r"[ \t]*(?:[-_=~]{3,}|\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?)[ \t]*")
_PIPE_ROW = re.compile(r"[ \t]*\|.*\|[ \t]*")
# A line that starts something of its own: a list item, a numbered or lettered heading, an article, an appendix.
_STARTS_ITEM = re.compile(
    r"[ \t]*(?:[-+•–]\s|\*\s|#|\(\d{1,2}\)|\d{1,2}(?:\.\d{1,2}){0,3}[.)]\s|[a-zđ][.)]\s|[IVXLC]{1,6}[.)]\s|"
    r"(?:Điều|Chương|Mục|Phần|PHẦN|CHƯƠNG|MỤC|ĐIỀU)\s+[\dIVXLC]|(?:PHỤ LỤC|Phụ lục)\b|Căn cứ\s)"
)
_HTML = re.compile(r"<(?:br\s*/?|/?(?:p|div|span|b|i|u|em|strong|sup|sub|td|tr|th|table|tbody|thead)\b[^>]*)>", re.I)
_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))
_MARKS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|\\(?=[\\`*_{}\[\]()#+\-.!|])")


def has_markup(text: str) -> bool:
    """True when the text carries Markdown emphasis, pipe tables, `#` headings or HTML leftovers."""
    lines = text.splitlines()
    pipes = sum(1 for ln in lines if _PIPE_ONLY.fullmatch(ln) or _PIPE_ROW.fullmatch(ln))
    headings = sum(1 for ln in lines if re.match(r"#{1,6}\s", ln))
    return text.count("**") >= 4 or pipes >= 2 or headings >= 2 or bool(_HTML.search(text))


def _mostly_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)


def _inline(line: str, start: int, out: list[tuple[str, int]]) -> None:
    """Append the line's characters without emphasis marks, tags and entities, each with its file offset."""
    pos = 0
    drops: list[tuple[int, int, str]] = [(m.start(), m.end(), "") for m in _MARKS.finditer(line)]
    drops += [(m.start(), m.end(), " ") for m in _HTML.finditer(line)]
    drops += [(m.start(), m.end(), _ENTITIES[m.group(0)]) for m in _ENTITY.finditer(line)]
    heading = re.match(r"[ \t]*#{1,6}[ \t]+", line)
    if heading:
        drops.append((0, heading.end(), ""))
    if _PIPE_ROW.fullmatch(line):  # "| a | b |": the outer pipes frame the row, the inner ones separate cells
        first, last = line.index("|"), line.rindex("|")
        drops += [(first, first + 1, ""), (last, last + 1, "")]
    for a, b, repl in sorted(drops):
        if a < pos:
            continue
        out.extend((c, start + i) for i, c in enumerate(line[pos:a], start=pos))
        out.extend((c, start + a) for c in repl)
        pos = b
    out.extend((c, start + i) for i, c in enumerate(line[pos:], start=pos))


def _open_emphasis(block: str) -> bool:
    """True when a bold or italic span opened in the block is still open at its end."""
    if block.count("**") % 2:
        return True
    singles = re.sub(r"\*\*", "", block)
    singles = re.sub(r"(?m)^[ \t]*\*\s", "", singles)  # a "* " bullet is not emphasis
    return singles.count("*") % 2 == 1


def clean_reading(text: str) -> Restoration:
    """The clean view of a marked-up text, with a token map between the view and the file."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    kinds = []
    for _, line in lines:
        if not line.strip():
            kinds.append("blank")
        elif _PIPE_ONLY.fullmatch(line):
            kinds.append("pipe")
        elif _RULE.fullmatch(line):
            kinds.append("rule")
        else:
            kinds.append("text")
    out: list[tuple[str, int]] = []
    block = ""  # the current paragraph or table cell, to know whether emphasis is open at a line end
    prev_text: str | None = None  # the last text line of the block
    for i, ((start, line), kind) in enumerate(zip(lines, kinds, strict=True)):
        nl = start + len(line)  # offset of this line's newline
        if kind == "rule":
            continue  # underlines below header fields: dropped with their newline
        if kind == "pipe":
            before = next((kinds[j] for j in range(i - 1, -1, -1) if kinds[j] != "rule"), "blank")
            after = next((kinds[j] for j in range(i + 1, len(kinds)) if kinds[j] != "rule"), "blank")
            if before == "text" and after == "text":
                if out and out[-1][0] == "\n":
                    out[-1] = (" ", out[-1][1])
                out.append(("|", start + line.index("|")))
                out.append((" ", nl))
                block, prev_text = "", None
                continue
            # A row ends here: a blank line after it, so a row is a paragraph of its own (chunks and statements
            # break between rows, never inside one).
            if out and out[-1][0] != "\n":
                out.append(("\n", start))
            if out and (len(out) < 2 or out[-2][0] != "\n") and nl < len(text):
                out.append(("\n", nl))
            block, prev_text = "", None
            continue
        if kind == "blank":
            out.extend((c, start + k) for k, c in enumerate(line))
            if nl < len(text):
                out.append(("\n", nl))
            block, prev_text = "", None
            continue
        if prev_text is not None and out and out[-1][0] == "\n":
            # Capitals are header fields, titles and signature lines, each on a line of its own by design.
            joined = _open_emphasis(block) or not (
                _STARTS_ITEM.match(_MARKS.sub("", line)) or _mostly_upper(prev_text) or _mostly_upper(line)
                or _PIPE_ROW.fullmatch(line) or _PIPE_ROW.fullmatch(prev_text)
            )
            if joined:
                out[-1] = (" ", out[-1][1])
        _inline(line, start, out)
        if nl < len(text):
            out.append(("\n", nl))
        block += line + "\n"
        prev_text = line
    return _to_restoration(out)


def _to_restoration(chars: list[tuple[str, int]]) -> Restoration:
    """Token map (file start, file end, view start, view end) of every whitespace-separated token of the view."""
    view = "".join(c for c, _ in chars)
    tokens = []
    for m in re.finditer(r"\S+", view):
        a, b = m.span()
        tokens.append((chars[a][1], chars[b - 1][1] + 1, a, b))
    return Restoration(view, tuple(tokens))
