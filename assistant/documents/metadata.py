"""Document metadata read from a plan's own text (header, number, date, title, signature), OCR-tolerant."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from assistant.documents.header_patterns import (
    Body,
    clean_line,
    complete_issuer,
    mostly_upper,
    ocr_rx,
    render_body,
    starts_with_head,
)
from assistant.documents.signature import read_signature
from assistant.legal.symbols import canonical_symbol
from assistant.text.dates import iso_date
from assistant.text.doctypes import TYPE_NAMES, VOCABULARY
from assistant.text.fold import fold_map, fold_words
from assistant.text.places import PROVINCE_RE, province_of
from assistant.types import Metadata

log = logging.getLogger(__name__)

# The line naming the document type ("KẾ HOẠCH", OCR "KE HOACH") separates the header from the title.
_TYPE_RES = tuple((re.compile(ocr_rx(fold_words(t.name))), t.name) for t in VOCABULARY)
_HEADER_SCAN = 80  # lines searched for the type line
_NO_TYPE_HEADER = 15  # header size assumed when no type line is found

# The national motto is the header's right column; flattened layouts glue it to the agency lines.
_MOTTO_RES = (
    re.compile(ocr_rx("cong hoa xa hoi chu nghia viet nam")),
    re.compile(rf"{ocr_rx('doc lap')}\s*[-~]*\s*{ocr_rx('tu do')}\s*[-~]*\s*{ocr_rx('hanh phuc')}"),
)
# "Số: 35/KH-SYT" with OCR's "S4:", "S6:", "[" for "/"; the number may be left blank in a draft ("Số: /KH-SYT").
_NUMBER_RE = re.compile(
    r"(?<![a-z0-9])s[a-z0-9¢&$]{0,2}\s*[:;.]\s*"
    r"(?P<sym>\d{0,6}\s*[/\[|]\s*(?:(?:19|20)\d\d\s*[/\[|]\s*)?[a-z][a-z0-9]*(?:\s*[-/]\s*[a-z0-9]+)*)"
)
# "ngày 05 tháng 01 năm 2023" as OCR prints it ("ngay05", "nim", "ndm"); day or month may be blank or damaged.
_DATE_RE = re.compile(
    r"(?<![a-z])ng[a-z]{1,2}\s*(?P<d>\S{0,3}?)\s*th[a-z]{1,3}ng\s*(?P<m>\S{0,3}?)\s*n[a-z0-9¢&]{1,2}m\s*"
    r"(?P<y>\d{4})(?!\d)"
    r"|(?<![a-z])ng[a-z]{1,2}\s*(?P<d2>\d{1,2})\s*/\s*(?P<m2>\d{1,2})\s*/\s*(?P<y2>\d{4})(?!\d)"
)
# A title ends where the preamble starts ("Căn cứ", "Thực hiện", OCR "Thyec hién") or at a heading ("I.").
_BODY_START = re.compile(
    "(?:" + "|".join(ocr_rx(w) for w in ("can cu", "thuc hien", "trien khai", "tren co so", "nham", "xet",
                                           "de thuc hien", "de trien khai", "theo de nghi"))
    + r")(?![a-z0-9])|c[a-z]n\s*c\S{1,3}\s|[ivx]{1,4}\s*[.)]\s|phan\s+[ivx1-9]"
)
# "Sở Y tế xây dựng Kế hoạch": the issuer as the preamble states it, for documents without a header.
_ISSUES_RE = re.compile(
    rf"(?:{ocr_rx('xay dung')}|{ocr_rx('ban hanh')})(?:\s+{ocr_rx('va trien khai')})?\s+{ocr_rx('ke hoach')}"
)
_CENTRAL = re.compile(r"(?:bo|chinh phu|thu tuong|quoc hoi|van phong chinh phu|ban chap hanh trung uong|"
                      r"uy ban thuong vu quoc hoi|toa an nhan dan toi cao|vien kiem sat nhan dan toi cao)\b")


@dataclass
class _Header:
    """What the header lines state."""

    bodies: list[str]
    number: str | None = None
    date: str | None = None
    place: str | None = None


def _type_line(lines: list[str]) -> tuple[int, str] | None:
    """Index and name of the document-type line ("KẾ HOẠCH")."""
    for i, line in enumerate(lines[:_HEADER_SCAN]):
        c = clean_line(line)
        if not mostly_upper(c):
            continue
        f = fold_map(c).text.strip()
        for rx, name in _TYPE_RES:
            if rx.fullmatch(f):
                return i, name
    return None


def _iso(year: str, month: str, day: str) -> str | None:
    """ISO date keeping only what is stated: a blank or OCR-damaged day ("/2") gives year-month."""
    if not year.isdigit() or not 1900 <= int(year) <= 2100:
        return None
    # A damaged digit ("/2" may be "12" or "22") is not read as a guess: precision drops instead.
    if not (month.isdigit() and 1 <= int(month) <= 12):
        return year
    if day.isdigit():
        full = iso_date(int(year), int(month), int(day))
        if full:
            return full
    return f"{year}-{int(month):02d}"


def _place_before(prefix: str) -> str | None:
    """The place written just before ", ngày": Title Case words ("Hà Tĩnh", "Tu Mo Réng")."""
    words = prefix.rstrip(" ,").split()
    place: list[str] = []
    for w in reversed(words):
        if len(place) == 5 or not w[:1].isupper() or re.search(r"[\d/\[:]", w):
            break
        if len(w) > 3 and not any(c.islower() for c in w) and w.upper() not in ("TP.", "TP"):
            break  # an upper-case word belongs to the left column ("KH-SYT", "TẾ")
        place.insert(0, w)
    return " ".join(place) or None


def _read_header(lines: list[str]) -> _Header:
    """Agency lines (left column), number, date and place of a flattened two-column header."""
    head = _Header(bodies=[])
    current: list[str] | None = None
    for line in lines:
        f = fold_map(line)
        cuts: list[tuple[int, int]] = [m.span() for rx in _MOTTO_RES for m in rx.finditer(f.text)]
        m = _NUMBER_RE.search(f.text)
        if m and head.number is None:
            a, b = f.span(*m.span("sym"))
            raw = re.sub(r"\s+", "", line[a:b]).replace("[", "/").replace("|", "/")
            head.number = canonical_symbol(raw) or raw
            cuts.append(m.span())
        d = _DATE_RE.search(f.text)
        if d and head.date is None:
            y, mo, dd = (d.group("y"), d.group("m"), d.group("d")) if d.group("y") else d.group("y2", "m2", "d2")
            head.date = _iso(y, mo.strip(), dd.strip())
            a = f.span(d.start(), d.end())[0]
            head.place = _place_before(line[:a])
            start = d.start()
            if head.place:  # fold maps char by char, so the folded length of the prefix is the folded offset
                start = len(fold_map(line[: line.rfind(head.place, 0, a)]).text)
            cuts.append((start, d.end()))
        # What remains, split at removed spans and wide gaps, is the left column.
        keep, pos = [], 0
        for a, b in sorted(cuts):
            keep.append((pos, a))
            pos = max(pos, b)
        keep.append((pos, len(f.text)))
        for a, b in keep:
            if a >= b:
                continue
            oa, ob = f.span(a, b)
            for seg in re.split(r"\s{3,}|\t|\s\|\s", clean_line(line[oa:ob])):
                seg = seg.strip(" ,.;")
                if not mostly_upper(seg) or seg.lower().startswith("v/v"):
                    continue
                if starts_with_head(seg):
                    current = [seg]
                    head.bodies.append(seg)
                elif current is not None and len(seg.split()) <= 6:
                    # a wrapped agency name ("TRUNG TÂM Y TẾ" / "HUYỆN TU MƠ RÔNG")
                    current.append(seg)
                    head.bodies[-1] = " ".join(current)
        if m or d:
            current = None  # the agency block ends at "Số:" / the date; later capitals are stamps ("DỰ THẢO")
    return head


def _title(lines: list[str], start: int) -> str | None:
    """Trích yếu: the lines after the type line up to the preamble, joined into one line."""
    blank = sum(1 for ln in lines if not ln.strip())
    double_spaced = blank >= 0.4 * max(len(lines), 1)  # PDF text with a blank line after every line
    out: list[str] = []
    blanks = 0
    for line in lines[start + 1 : start + 40]:
        c = clean_line(line)
        if not c:
            blanks += 1
            if out and (not double_spaced or blanks >= 2):
                break
            continue
        blanks = 0
        if re.fullmatch(r"[-_=.~ ]{3,}", c):
            if out:
                break
            continue
        if out and (_BODY_START.match(fold_map(c.lstrip("-~+•* ")).text) or c[:1] in "-+•" or len(out) >= 5):
            break
        out.append(c)
    title = " ".join(" ".join(out).split())
    return unicodedata.normalize("NFC", title) or None


def _period(title: str | None, issue_date: str | None) -> str | None:
    """The year or span the plan covers, from its title ("giai đoạn 2023 - 2030", "năm 2026")."""
    if not title:
        return None
    f = fold_map(title).text
    m = re.search(r"(?<!\d)((?:19|20)\d\d)\s*-\s*((?:19|20)\d\d)(?!\d)", f)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    years = sorted({int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", f)})
    if not years:
        return None
    # Years before the issue year are results being followed up ("kết quả CCHC năm 2023"), not the plan's term.
    ahead = [y for y in years if issue_date is None or y >= int(issue_date[:4])] or years[-1:]
    return str(ahead[0]) if len(ahead) == 1 else f"{ahead[0]}-{ahead[-1]}"


def _preamble_issuer(text: str, lines: list[str], title_line: int) -> str | None:
    """The issuer as the preamble names it ("Sở Y tế xây dựng Kế hoạch"), when the header names none."""
    start = sum(len(ln) + 1 for ln in lines[: title_line + 1])
    f = fold_map(text[start : start + 4000])
    for m in _ISSUES_RE.finditer(f.text):
        cut = max(f.text.rfind(c, 0, m.start()) for c in (".", ";", ",", ":", "\n\n"))
        a, b = f.span(cut + 1, m.start())
        seg = " ".join(text[start + a : start + b].split())
        if seg and len(seg.split()) <= 10 and starts_with_head(seg):
            body = render_body(seg)
            if body:
                return body.name
    return None


def extract_metadata(text: str) -> Metadata:
    """Metadata a plan states about itself; unstated fields stay None."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = _type_line(lines)
    header_lines = lines[: found[0]] if found else lines[:_NO_TYPE_HEADER]
    head = _read_header(header_lines)
    bodies: list[Body] = [b for b in (render_body(s) for s in head.bodies) if b is not None]
    place_province = None
    if head.place:
        m = PROVINCE_RE.fullmatch(fold_map(head.place).text.strip())
        place_province = province_of(m.group(0)) if m else None
    province = next((b.province for b in bodies if b.province), None)
    if province is None and not (bodies and _CENTRAL.match(fold_map(bodies[-1].name).text)):
        province = place_province  # a ministry in Hà Nội is not of Hà Nội: central bodies have no province
    issuer = parent = None
    if bodies:
        parent_body = bodies[-2] if len(bodies) >= 2 else None
        issuer = complete_issuer(bodies[-1], parent_body, province)
        parent = parent_body.name if parent_body else None
    elif found:
        # No header agency lines (e.g. a Markdown export): the preamble's "Sở Y tế xây dựng Kế hoạch" states the
        # issuer; a Sở is completed with the province of the place-date line, since a Sở is always provincial.
        stated = _preamble_issuer(text, lines, found[0])
        if stated:
            body = render_body(stated)
            issuer = complete_issuer(body, None, province) if body else stated
    doc_type = found[1] if found else None
    if doc_type is None and head.number:
        code = re.search(r"/([A-Za-zĐđ]+)-", head.number)
        doc_type = TYPE_NAMES.get(code.group(1)) if code else None
    title = _title(lines, found[0]) if found else None
    block = read_signature(lines)
    meta = Metadata(
        issuer=issuer, parent=parent, province=province, number=head.number, issue_date=head.date,
        period=_period(title, head.date), title=title, signer=block.signer, signer_title=block.capacity,
        place=head.place, recipients=block.recipients,
        doc_type=doc_type,
    )
    log.debug("metadata: %s", meta)
    return meta
