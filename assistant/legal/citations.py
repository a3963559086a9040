"""Index of legal references across plans: what a plan cites, which plans cite an instrument."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from pathlib import Path

from assistant.legal.extract import LegalReference, extract_references
from assistant.legal.symbols import parse_symbol_query
from assistant.text.fold import fold_words

_STANDARD_Q = re.compile(r"^(?:tcvn\s*)?(?:iso\s*)?(\d{3,5})(?:\s*:\s*(\d{4}))?$")


class ReferenceIndex:
    """Lookups over {source: [LegalReference]}; a plan's own number is never counted as a citation."""

    def __init__(self, refs: Mapping[str, list[LegalReference]]) -> None:
        self._by_source = {src: list(rs) for src, rs in sorted(refs.items())}

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> ReferenceIndex:
        """Extract and index the references of {source: text}."""
        return cls({src: extract_references(text, src) for src, text in texts.items()})

    def _cited(self) -> list[LegalReference]:
        return [r for rs in self._by_source.values() for r in rs if not r.own]

    def cited_by(self, symbol_query: str) -> list[LegalReference]:
        """References (one per citing plan) to the instrument a loosely typed query names."""
        q = fold_words(symbol_query)
        std = _STANDARD_Q.match(q)
        if std and re.search(r"tcvn|iso", q):
            num, year = std.groups()
            return [r for r in self._cited() if r.type == "Tiêu chuẩn"
                    and re.fullmatch(rf"TCVN ISO {num}(?::\d{{4}})?", r.number)
                    and (year is None or r.number.endswith(f":{year}"))]
        sq = parse_symbol_query(symbol_query)
        if sq is not None:
            return [r for r in self._cited() if sq.matches(r.number, r.type)]
        # By-name instruments: every query word must occur in the name ("hien phap", "luat can bo").
        words = set(re.findall(r"[a-z0-9]+", q))
        return [r for r in self._cited()
                if words and words <= set(re.findall(r"[a-z0-9]+", fold_words(r.number)))]

    def cites(self, source: str) -> list[LegalReference]:
        """Instruments a plan cites, in order of first mention (its own number excluded)."""
        return [r for r in self._by_source.get(source, []) if not r.own]

    def counts(self) -> dict[str, dict]:
        """Per instrument: how many plans cite it and how many explicit mentions there are in all."""
        out: dict[str, dict] = {}
        for r in self._cited():
            c = out.setdefault(r.number, {"type": r.type, "documents": 0, "mentions": 0, "sources": []})
            c["documents"] += 1
            c["mentions"] += len(r.mentions)
            c["sources"].append(r.source)
        return dict(sorted(out.items(), key=lambda kv: (-kv[1]["documents"], -kv[1]["mentions"], kv[0])))

    def inconsistencies(self) -> list[dict]:
        """Instruments cited with different dates or types in different plans (an OCR or drafting slip)."""
        groups: dict[str, list[LegalReference]] = {}
        for r in self._cited():
            if re.match(r"[\d/]", r.number):  # names vary by wording, only symbols are comparable
                groups.setdefault(r.number, []).append(r)
        found = []
        for number, rs in sorted(groups.items()):
            for field in ("date", "type"):
                values: dict[str, list[str]] = {}
                for r in rs:
                    v = getattr(r, field)
                    if v is not None:
                        values.setdefault(v, []).append(r.source)
                if len(values) > 1:
                    found.append({"number": number, "field": field, "values": values})
        return found

    def to_rows(self) -> list[dict]:
        """One flat row per (plan, instrument): source, type, number, issuer, date, own, mentions."""
        return [r.to_dict() for rs in self._by_source.values() for r in rs]

    def write_csv(self, path: str | Path) -> None:
        """Rows as CSV; mentions are a JSON list in one column."""
        rows = self.to_rows()
        with Path(path).open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["source", "type", "number", "issuer", "date", "own", "mentions"])
            w.writeheader()
            for row in rows:
                w.writerow({**row, "mentions": json.dumps(row["mentions"], ensure_ascii=False)})

    def write_json(self, path: str | Path) -> None:
        """Rows as a JSON array."""
        Path(path).write_text(json.dumps(self.to_rows(), ensure_ascii=False, indent=2), encoding="utf-8")
