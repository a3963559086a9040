"""The signature block of a document: who signs, in what capacity, and the recipients (Nơi nhận)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.documents.header_patterns import (
    CAPACITY_RE,
    PREFIX_ONLY_RE,
    SURNAMES,
    capacity_text,
    clean_line,
    mostly_upper,
    ocr_rx,
    prefix_text,
    render_body,
)
from assistant.text.fold import fold_map

_NOI_NHAN_RE = re.compile(rf"^\W*{ocr_rx('noi nhan')}\s*[:.,]")
_APPENDIX_RE = re.compile(rf"^\W*(?:{ocr_rx('phu luc')}|\(?\s*{ocr_rx('kem theo')})(?![a-z])")
# Cells of a flattened two-column layout: wide gaps, tabs, or " | " between table cells.
_CELLS = re.compile(r"\s{3,}|\t|\s\|\s")


@dataclass(frozen=True)
class SignatureBlock:
    """Signer, signing capacity ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH") and recipients, each None when not stated."""

    signer: str | None = None
    capacity: str | None = None
    recipients: str | None = None  # "Như trên; Lưu: VT", in the order listed


def person_name(segment: str) -> str | None:
    """A personal name: 2-5 capitalised words, nothing else ("Nguyễn Minh Đức", OCR "Nguyén Minh Dirc")."""
    words = unicodedata.normalize("NFC", segment).split()  # decomposed marks are not letters to isalpha()
    if not 2 <= len(words) <= 5:
        return None
    for w in words:
        if not w[0].isalpha() or not w[0].isupper() or not all(c.isalpha() or c in "¢€&@" for c in w):
            return None
    if all(w.isupper() for w in words) and fold_map(words[0]).text not in SURNAMES:
        return None
    return " ".join(words)


def read_signature(lines: list[str]) -> SignatureBlock:
    """Signer and signing capacity from the first block after a "Nơi nhận:" that names a signer: the document's own
    signature comes before its appendices, whose forms carry blocks of their own (or after the closing "./.")."""
    anchors = []
    for i, line in enumerate(lines):
        c = clean_line(line).lstrip(" -")
        # "Nơi nhận" begins its line; test the first letter before folding every line of a long document
        if c[:1] in ("N", "n") and _NOI_NHAN_RE.match(fold_map(c[:40]).text):
            anchors.append(i)
    if not anchors:
        ends = [i for i, line in enumerate(lines) if line.rstrip().endswith("./.")]
        anchors = [ends[-1] + 1] if ends else []
    found = SignatureBlock()
    for anchor in anchors:
        signer, capacity = _signature_at(lines, anchor)
        if signer:
            return SignatureBlock(signer, capacity, _recipients(lines, anchor))
        found = found if found.capacity else SignatureBlock(None, capacity, _recipients(lines, anchor))
    return found


def _recipients(lines: list[str], anchor: int) -> str | None:
    """The "- ..." items after "Nơi nhận:", up to the end of the list (its cell, in a two-column layout)."""
    if not _NOI_NHAN_RE.match(fold_map(clean_line(lines[anchor]).lstrip(" -")[:40]).text):
        return None
    items: list[str] = []
    for line in lines[anchor + 1 : anchor + 40]:
        cell = _CELLS.split(clean_line(line))[0].strip()
        if not cell:
            if items:
                break
            continue
        if cell[:1] not in "-+•":
            break
        items.append(cell.lstrip("-+• ").rstrip(" ;.,"))
    return "; ".join(items) or None


def _signature_at(lines: list[str], anchor: int) -> tuple[str | None, str | None]:
    """Signer and capacity in the lines from `anchor` on."""
    window: list[str] = []
    for line in lines[anchor : anchor + 60]:
        if window and _APPENDIX_RE.match(fold_map(clean_line(line)).text):
            break
        window.append(line)
    capacity: list[str] = []
    after = 0
    for i, line in enumerate(window):
        for seg in _CELLS.split(line):
            c = clean_line(seg)
            if c[:1] in "-+•":
                continue  # a recipient ("- Giám đốc Sở"), not the signing capacity
            f = fold_map(c)
            m = CAPACITY_RE.search(f.text)
            if m and mostly_upper(c[f.span(*m.span())[0] : f.span(*m.span())[1]]):
                capacity.append(capacity_text(m))
            elif not capacity and (p := PREFIX_ONLY_RE.match(f.text)) and mostly_upper(c):
                # "TM. ỦY BAN NHÂN DÂN": the body signed for, rendered like a header line
                body = render_body(c[f.span(p.end(), len(f.text))[0] :])
                capacity.append(f"{prefix_text(p.group('pre'))} {(body.name if body else c).upper()}")
            else:
                continue
            after = i + 1
        if capacity and not capacity[-1].split(" ")[0].endswith("."):
            break  # the last line of a "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" chain carries no prefix
    for line in window[after:] if capacity else window:
        for seg in _CELLS.split(line):
            c = clean_line(seg).strip(" ,;")
            if c[:1] in "-+•(" or not c:
                continue
            name = person_name(c)
            if name and (capacity or fold_map(name.split()[0]).text in SURNAMES):
                return unicodedata.normalize("NFC", name), " / ".join(capacity) or None
    return None, " / ".join(capacity) or None


