"""Identity questions (số hiệu, ngày ký, cơ quan ban hành, người ký) answered from a document's own metadata,
citing the header lines that state it, instead of pasting the header."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from assistant.answer.render import doc_label
from assistant.answer.statements import Sentence
from assistant.text.dates import find_dates, vn_date
from assistant.text.fold import fold, fold_map
from assistant.types import Document, Passage

PassageOf = Callable[[str, Sentence], Passage]

# What an identity question asks for, on folded text. A date question must name the act (signing, issuing),
# or it asks for a deadline in the plan's body.
_ASKS = (
    ("number", r"\b(?:so hieu|so ky hieu|mang so|co so (?:la )?(?:bao nhieu|gi|may)|so (?:bao nhieu|may)|"
               r"what (?:is the )?number|document number|reference number)\b"),
    ("date", r"\b(?:ngay ky|ngay ban hanh|ban hanh (?:vao )?(?:ngay nao|khi nao|luc nao)|ky (?:vao )?(?:ngay nao|khi nao)|"
             r"(?:ky|ban hanh) ngay (?:nao|bao nhieu)|when (?:was|were|is) .{0,60}\b(?:signed|issued|dated)|"
             r"date of (?:issue|signing)|issue date)\b"),
    ("issuer", r"\b(?:co quan (?:nao )?ban hanh|don vi (?:nao )?ban hanh|ai ban hanh|do ai ban hanh|"
               r"(?:co quan|don vi) nao (?:da )?ban hanh|which (?:body|agency|authority) issued|issued by whom|"
               r"who issued)\b"),
)
_ASK_RES = tuple((field, re.compile(rx)) for field, rx in _ASKS)
_HEAD = 4000  # the header block lies in the first characters of a document


def identity_fields(question: str) -> list[str]:
    """Identity fields the question asks for, in a fixed order ("number", "date", "issuer")."""
    q = " ".join(fold(question).split())
    return [field for field, rx in _ASK_RES if rx.search(q)]


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the lines holding [start, end), whitespace trimmed."""
    a = text.rfind("\n", 0, start) + 1
    b = text.find("\n", end)
    b = len(text) if b < 0 else b
    while a < b and text[a] in " \t|*":
        a += 1
    while b > a and text[b - 1] in " \t|*\r":
        b -= 1
    return a, b


def header_spans(document: Document) -> list[Sentence]:
    """Where the header states the document's number and its date, as exact spans of the file."""
    md = document.metadata
    head = document.text[:_HEAD]
    f = fold_map(head)
    out: list[Sentence] = []
    if md.number:
        # the number as printed may be spaced or OCR-damaged; its digits and code letters are enough to find it
        digits = re.escape(fold(md.number.split("/")[0])) if md.number[:1].isdigit() else ""
        code = re.escape(fold(md.number.split("/", 1)[-1]).split("-")[0])
        m = re.search(rf"(?<!\d){digits}\s*[/\[|]\s*(?:(?:19|20)\d\d\s*/\s*)?{code}", f.text)
        if m:
            a, b = _line_around(head, *f.span(*m.span()))
            out.append(Sentence(document.source, a, b, head[a:b]))
    if md.issue_date:
        span = next(((s, e) for iso, s, e in find_dates(f.text) if iso == md.issue_date), None)
        if span is None and len(md.issue_date) == 7:  # "ngày    tháng 12 năm 2020": the day left blank
            year, month = md.issue_date.split("-")
            m = re.search(rf"ng\w{{0,2}}y[^\n]{{0,12}}?th\w{{1,3}}ng\s*0?{int(month)}\s+n\w{{1,2}}m\s*{year}", f.text)
            span = m.span() if m else None
        if span:
            a, b = _line_around(head, *f.span(*span))
            if not any(x.start == a for x in out):
                out.append(Sentence(document.source, a, b, head[a:b]))
    return out


def identity_line(document: Document, fields: list[str], label: str) -> str:
    """One sentence naming the document by the fields asked for (all of number, date and issuer when unclear)."""
    md = document.metadata
    kind = md.doc_type or "Văn bản"
    parts = [kind]
    if md.number and ("number" in fields or not fields):
        # a draft's own number is left blank ("Số: /KH-SYT"): say so rather than show a bare code
        parts.append(f"số {md.number}" if md.number[:1].isdigit() else f"ký hiệu {md.number} (số để trống)")
    if md.issue_date and ("date" in fields or "number" in fields or not fields):
        day = "ngày" if len(md.issue_date) == 10 else "tháng" if len(md.issue_date) == 7 else "năm"
        parts.append(f"{day} {vn_date(md.issue_date)}")
    issuer = md.issuer or label
    line = " ".join(parts)
    if issuer:
        line += f" do {issuer} ban hành" if "issuer" in fields else f" của {issuer}"
    return line


def identity_answer(document: Document, fields: list[str], label: str, passage_of: PassageOf):
    """(answer, cited statements, abstained) naming the document by its metadata, or None without a header span."""
    spans = header_spans(document)
    if not spans:
        return None
    cited = [(s, passage_of(s.source, s)) for s in spans]
    marks = ", ".join(str(n) for n in range(1, len(cited) + 1))
    return f"{identity_line(document, fields, label)} [{marks}].", cited, False


def _sentence_case(capacity: str) -> str:
    """"KT. CHỦ TỊCH / PHÓ CHỦ TỊCH" -> "KT. Chủ tịch / Phó Chủ tịch": titles as a sentence writes them."""
    parts = []
    for part in capacity.split(" / "):
        prefix, _, title = part.rpartition(". ") if re.match(r"(?:KT|TM|TL|TUQ|Q)\. ", part) else ("", "", part)
        title = title.lower()
        title = re.sub(r"^phó chủ", "phó Chủ", title)
        parts.append(f"{prefix + '. ' if prefix else ''}{title[:1].upper()}{title[1:]}")
    return " / ".join(parts)


def signer_lines(documents: Mapping[str, Document], sources: list[str], passage_of: PassageOf,
                 reading: Callable[[str, int, int], str | None]):
    """(answer, cited, abstained) naming who signed each document, citing the signature, or None."""
    lines, cited = [], []
    for source in sources:
        document = documents[source]
        md = document.metadata
        pos = document.text.rfind(md.signer) if md.signer else -1
        if pos < 0:
            continue
        s = Sentence(source, pos, pos + len(md.signer), md.signer)
        name = reading(source, s.start, s.end) or md.signer
        role = f" ({_sentence_case(md.signer_title)})" if md.signer_title else ""
        cited.append((s, passage_of(source, s)))
        lines.append(f"{doc_label(md)} do {name}{role} ký [{len(cited)}].")
    return (" ".join(lines), cited, False) if lines else None
