"""Citation questions: which instruments a plan cites, and which plans cite an instrument."""

from __future__ import annotations

import re

from assistant.answer.render import Candidate, doc_label, doc_name, vn_date
from assistant.answer.statements import Sentence
from assistant.search.query import QueryInfo
from assistant.text.doctypes import TYPE_WORD_ALT, type_word
from assistant.types import Passage

SYMBOL_IN_QUESTION = re.compile(r"\d+(?:/\d{4})?[/-][a-z]{1,4}(?:[-/][a-z0-9]{1,6})+"
                          # typed loosely, as auditors do: "nd 61/2018", "Nghị định số 61", "qd 06"
                          r"|\b(?:nghi dinh|nd|quyet dinh|qd|chi thi|ct|nghi quyet|nq|thong tu|tt)\s+(?:so\s+)?"
                          r"\d+(?:/\d{4})?\b")
# The type a citation question asks for names it before "nào" or "số" ("chỉ thị nào", "Kế hoạch số 283"); alone,
# "quy định", "kế hoạch", "hướng dẫn" are ordinary words of the question.
_ASKED_TYPE = re.compile(rf"(?<![a-z])(?:{TYPE_WORD_ALT})\s+(?:nao|so)\b")
_GENERIC_CITATION_WORDS = ("kế hoạch cải cách hành chính CCHC văn bản nào những căn cứ dựa trên theo xây dựng "
                           "được ban hành trích dẫn viện dẫn nghị định quyết định chỉ thị nghị quyết thông tư công văn "
                           "sở y tế năm")


class LegalAnswers:
    """Answerer methods for citation questions (the answerer supplies the index, references and statements)."""

    def _legal(self, question: str, folded: str, info: QueryInfo, passages: list[Passage]):
        """Citation questions: which instruments a plan cites, or which plans cite an instrument."""
        docs = self.retriever.index.documents
        symbol = SYMBOL_IN_QUESTION.search(folded)
        named = [r for r in self.references.cited_by(symbol.group(0)) if r.source in info.sources] if symbol else []
        if named and all(r.own for r in named):
            symbol = None  # the symbol is the number of the plan asked about: what does that plan cite?
        cited = []
        if symbol:
            refs = [r for r in self.references.cited_by(symbol.group(0)) if not r.own]
            lines = []
            for r in refs:
                m = r.mentions[0]
                passage = self._passage_of(r.source, m)
                statement = next((x for x in self._statements(r.source, passage.start, passage.end)
                                  if x.start <= m.start < x.end), None)
                span = statement or Sentence(r.source, m.start, m.end, m.text)
                cited.append((span, passage))
                reading = self._reading(span.source, span.start, span.end) or span.text
                lines.append(f"- {doc_name(docs[r.source].metadata)} viện dẫn {r.type} {r.number}: "
                             f"{' '.join(reading.split())} [{len(cited)}]")
            if lines:
                return "\n".join(lines), cited, False
            return None
        asked = _ASKED_TYPE.search(folded)
        wanted_type = type_word(asked) if asked else None
        sources = info.sources or [passages[0].source]
        # Only the statements that answer the question's topic ("... về tinh giản biên chế") count: their support
        # must be close to that of the best statement that cites anything.
        cands = [c for c in self._candidates(question, info, passages, "text") if c.sentence.source in sources]
        refs = [r for src in sources for r in self.references.cites(src)
                if not r.own and (not wanted_type or r.type == wanted_type)]

        def mentions_in(c: Candidate):
            return [(r, m) for r in refs for m in r.mentions
                    if r.source == c.sentence.source and c.sentence.start <= m.start < c.sentence.end]

        citing = [c for c in cands if mentions_in(c)]
        # The topic is what remains of the question once the plan, the year and the asking words are removed.
        topic = [t for t in self.scorer.terms(question, [*self._identifying(info), _GENERIC_CITATION_WORDS])
                 if "_" not in t and not re.fullmatch(r"(?:19|20)\d\d", t)]
        if not topic:
            # "Kế hoạch ... dựa trên những văn bản nào?": the instruments a plan rests on are cited in its preamble.
            citing = [Candidate(x, self._passage_of(src, x), 0, 1.0, 1.0, None)
                      for src in sources for x in self._preamble_statements(src)]
            citing = [c for c in citing if mentions_in(c)]
        if not citing:
            return None
        floor = 0.8 * max(c.support for c in citing)
        lines, seen = [], set()
        for c in sorted(citing, key=lambda c: c.sentence.start):
            if c.support < floor:
                continue
            for r, m in mentions_in(c):
                if (r.source, r.number) in seen:
                    continue
                seen.add((r.source, r.number))
                cited.append((Sentence(r.source, m.start, m.end, m.text), c.passage))
                date = f" ngày {vn_date(r.date)}" if r.date else ""
                lines.append(f"- {r.type} {r.number}{date} [{len(cited)}]")
        if not lines:
            return None
        head = f"{doc_label(docs[sources[0]].metadata)} viện dẫn:" if len(sources) == 1 else "Các văn bản được viện dẫn:"
        return head + "\n" + "\n".join(lines), cited, False

