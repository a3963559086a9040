"""What a question says about where to look: places, years, and whether it asks across documents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assistant.text.fold import fold
from assistant.types import Document

# Administrative words that precede a place name in issuer lines ("Sở Y tế tỉnh Hà Tĩnh", "huyện Tu Mơ Rông").
_PLACE_PREFIX = re.compile(r"\b(?:tinh|thanh pho|tp\.?|huyen|quan|thi xa|xa|phuong)\s+", re.UNICODE)
# A question asks across documents when it ranges over plans or units instead of naming one
# ("những đơn vị nào", "các kế hoạch", "kế hoạch nào", "ở từng đơn vị", "which plans").
_ACROSS = re.compile(
    r"\b(?:nhung|cac|tung|moi|tat ca)\s+(?:ke hoach|van ban|don vi|so y te|tinh|co quan|trung tam|noi)\b"
    r"|\b(?:ke hoach|van ban|don vi|tinh|so|co quan)\s+nao\b"
    r"|\bliet ke\b|\bso sanh\b"
    r"|\b(?:which|what|all|each|every|list)\s+(?:of\s+the\s+)?(?:plans?|documents?|units?|departments?|provinces?)\b",
)
# Of those, the ones that range over documents even when the question names a place ("các kế hoạch của Nghệ An");
# "đơn vị nào", "cơ quan nào" after a place ask for one unit of that place's plan.
_ACROSS_DOCUMENTS = re.compile(
    r"\b(?:nhung|cac|tat ca)\s+(?:ke hoach|van ban)\b|\b(?:ke hoach|van ban)\s+nao\b|\bliet ke\b|\bso sanh\b"
    r"|\b(?:which|all|each|every|list)\s+(?:of\s+the\s+)?(?:plans?|documents?)\b"
)
_YEAR = re.compile(r"\b(20\d{2})\b")
# A year that dates the plan asked about: near "kế hoạch", "CCHC", "cải cách hành chính" ("kế hoạch CCHC năm 2025",
# "2025 administrative reform plan"), not a year inside the topic ("Đề án giai đoạn 2022-2025").
_PLAN_YEAR = re.compile(r"\b(?:ke hoach|cchc|cai cach hanh chinh)(?:\s+\S+){0,4}?\s+(?:nam\s+)?(20\d\d)\b"
                        r"|\b(20\d\d)\s+(?:\S+\s+){0,3}?(?:ke hoach|cchc|cai cach hanh chinh)\b")


@dataclass(frozen=True)
class QueryInfo:
    """The parts of a question retrieval uses beyond its words."""

    text: str
    folded: str
    years: tuple[int, ...]
    sources: tuple[str, ...]  # documents whose place (or number) the question names
    across: bool  # asks for an answer from every matching document
    places: tuple[str, ...] = ()  # the distinct places named; several documents may share one


def place_names(document: Document) -> set[str]:
    """Folded place names a document is known by: its province and the places in its issuer and parent."""
    md = document.metadata
    names = set()
    if md.province:
        names.add(fold(md.province))
    for body in (md.issuer, md.parent):
        if body:
            for m in _PLACE_PREFIX.finditer(fold(body)):
                names.add(fold(body)[m.end() :].strip())
    return {n for n in names if len(n) >= 3}


def years_covered(document: Document) -> set[int]:
    """Years a plan is about: its period ("2023-2030" covers each year) or the year it was issued."""
    md = document.metadata
    years: set[int] = set()
    if md.period:
        found = [int(y) for y in re.findall(r"20\d{2}", md.period)]
        if len(found) == 2:
            years |= set(range(found[0], found[1] + 1))
        years |= set(found)
    if not years and md.issue_date:
        years.add(int(md.issue_date[:4]))
    return years


def analyse(question: str, documents: Iterable[Document]) -> QueryInfo:
    """Places and years a question mentions, matched against the indexed documents."""
    folded = " ".join(fold(question).split())
    padded = f" {re.sub(r'[^0-9a-z]+', ' ', folded)} "
    sources, places, numbered = [], [], []
    for doc in documents:
        named = [name for name in place_names(doc) if f" {name} " in padded]
        if named:
            sources.append(doc.source)
            places.extend(n for n in named if n not in places)
        if _names_number(folded, doc.metadata.number):
            numbered.append(doc.source)
    years = tuple(sorted({int(y) for y in _YEAR.findall(folded)}))
    if numbered:  # "Kế hoạch 617/KH-UBND": the number names one document, whatever its place
        sources = [s for s in sources if s in numbered] or numbered
    if len(places) > 1 or not places:
        across = bool(_ACROSS.search(folded)) and len(sources) != 1
    else:
        across = bool(_ACROSS_DOCUMENTS.search(folded)) and len(sources) != 1
    return QueryInfo(question, folded, years, tuple(sources), across, tuple(places))


def _names_number(folded: str, number: str | None) -> bool:
    """Whether a folded question names a document number ("617/kh-ubnd", "ke hoach so 617", "3621/qd")."""
    if not number or not number[:1].isdigit():
        return False
    digits, _, rest = number.partition("/")
    code = fold(rest).split("-")[0].split("/")[0]
    return bool(re.search(rf"(?<![\d/]){re.escape(digits)}\s*/\s*(?:(?:19|20)\d\d\s*/\s*)?{re.escape(code)}\b", folded)
                or re.search(rf"\b(?:ke hoach|quyet dinh|van ban|chi thi|nghi quyet|so)\s+(?:so\s+)?{re.escape(digits)}\b"
                             r"(?!\s*/)", folded))


def uncovered_plan_years(info: QueryInfo, documents: Mapping[str, Document]) -> tuple[list[int], list[int]] | None:
    """(plan years asked, years the named plans cover) when the question dates the plan it asks about and none of
    the plans it names is for that year; None otherwise. A plan also counts for the years its title names and the
    year it was issued ("kế hoạch khắc phục hạn chế CCHC năm 2023", issued in 2024)."""
    asked = {int(a or b) for a, b in _PLAN_YEAR.findall(info.folded)}
    if not asked or not info.sources:
        return None
    covered: set[int] = set()  # the years the plans are for
    have: set[int] = set()  # also the years their titles name and the year they were issued
    for source in info.sources:
        md = documents[source].metadata
        covered |= years_covered(documents[source])
        have |= {int(y) for y in re.findall(r"20\d\d", f"{md.title or ''} {md.issue_date or ''}")}
    have |= covered
    if not have or asked & have:
        return None
    return sorted(asked), sorted(covered or have)
