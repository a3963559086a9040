"""What the indexed documents cover: the places they belong to or name, so a question about another place abstains."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from assistant.search.query import QueryInfo, uncovered_plan_years
from assistant.text.fold import fold, fold_words
from assistant.text.places import PROVINCE_BY_KEY, PROVINCE_RE, provinces_named
from assistant.types import Document


def known_places(documents: Iterable[Document]) -> frozenset[str]:
    """Provinces some document belongs to or names in its text: a header that could not be read must not
    make a document's province unknown."""
    known = set()
    for d in documents:
        if d.metadata.province:
            known.add(d.metadata.province)
        known.update(provinces_named(fold(d.text)))
    return frozenset(known)


def unknown_place(question: str, known: frozenset[str]) -> str | None:
    """A province the question names that no document belongs to or names, in its proper spelling."""
    for m in PROVINCE_RE.finditer(fold_words(question)):
        name = " ".join(m.group(0).split())
        canonical = PROVINCE_BY_KEY.get(re.sub(r"[^a-z]", "", name), name.title())
        if canonical not in known:
            return canonical
    return None


def uncovered_year(info: QueryInfo, documents: Mapping[str, Document], label: Callable[[str], str]) -> str | None:
    """The plan year a question asks about ("kế hoạch CCHC năm 2025 của Hà Tĩnh") when the named plans are for
    other years: said plainly instead of answering from another year's plan."""
    found = uncovered_plan_years(info, documents)
    if found is None:
        return None
    asked, covered = found
    places = ", ".join(dict.fromkeys(label(s) for s in info.sources))
    return (f"Các tài liệu hiện có không có kế hoạch năm {', '.join(map(str, asked))} của {places} "
            f"(kế hoạch hiện có: năm {', '.join(map(str, covered))}).")
