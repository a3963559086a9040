"""Extractive answers with numbered citations: facts, figures, lists across plans, legal references, abstention."""

from __future__ import annotations

import bisect
import functools
import re
import time
from dataclasses import dataclass, field, replace

from assistant.answer.coverage import known_places, uncovered_year, unknown_place
from assistant.answer.followup import Turn, resolve
from assistant.answer.generate import Generator
from assistant.answer.identity import identity_answer, identity_fields, signer_lines
from assistant.answer.legal_answers import SYMBOL_IN_QUESTION, LegalAnswers
from assistant.answer.lists import ListAnswers
from assistant.answer.render import NOT_FOUND, Candidate, doc_label, doc_name, evidence_first, overlaps, shown
from assistant.answer.scope import OFF_TOPIC, Scope, with_related
from assistant.answer.statements import Scorer, Sentence, answer_kind, asked_measure, kind_match, split
from assistant.documents.structure import path_at
from assistant.legal.citations import ReferenceIndex
from assistant.restore.restorer import to_original_span, to_restored_span, unsure_words
from assistant.search.crosslingual import to_vietnamese
from assistant.search.query import QueryInfo, analyse, place_names
from assistant.search.retrieve import Filters, Retriever, check_question
from assistant.tables.targets import Target, targets_table
from assistant.text.fold import fold
from assistant.types import Answer, Citation, Passage

__all__ = ["Answerer", "Turn"]

# Calibrated on the development questions (`make eval`, report in evals/): below this weighted share of the
# question's content words, the best sentence is not evidence enough and the assistant abstains.
MIN_SUPPORT = 0.45
# Question kinds answered by a target of the targets table, and the score a statement gains by holding one.
_TARGET_KINDS = {"percent": "percent", "number": "count", "money": "amount", "date": "date", "target": None}
TARGET_BONUS = 0.1
# Share of a statement's support that its passage's context (document header, section, neighbours) can supply.
CONTEXT_WEIGHT = 0.3
# A statement holding the kind of value asked for (a date for "ngày nào") needs less of the wording.
VALUE_SUPPORT = 0.3
# How much the kind of value asked for and the retriever's rank add to a statement's support when ranking.
KIND_WEIGHT = 0.35
RANK_WEIGHT = 0.15
# How far a statement cut by a chunk edge is followed into the neighbouring text (characters).
STATEMENT_REACH = 1000
_ASKS_DOCUMENTS = re.compile(r"\b(?:ke hoach|van ban|tai lieu|quyet dinh|nhung|cac|which|what)\s+(?:\w+\s+){0,3}?"
                             r"(?:nao|plans?|documents?)\b|\b(?:vien dan|trich dan|can cu|cite[sd]?|refer)")
_CITATION_Q = re.compile(
    r"\b(?:can cu|van ban nao|nhung van ban|nghi dinh nao|quyet dinh nao|chi thi nao|nghi quyet nao|trich dan|"
    r"vien dan|dua tren|theo nhung|cites?|cited|references?)\b"
)
# Questions whose answer is a value: a statement without one cannot answer them, however well it matches.
VALUE_KINDS = ("percent", "date", "money", "number", "rank", "frequency")
# Words of a citation question that ask for documents rather than name a topic.
UNKNOWN_ENGLISH = ("Câu hỏi tiếng Anh này không có thuật ngữ nào về kế hoạch cải cách hành chính mà hệ thống nhận ra; "
                   "hãy hỏi bằng tiếng Việt hoặc dùng thuật ngữ khác.")


@dataclass
class Answerer(LegalAnswers, ListAnswers):
    """Composes short Vietnamese answers from retrieved passages, every statement cited."""

    retriever: Retriever
    k: int = 10
    min_support: float = MIN_SUPPORT
    generator: Generator | None = None  # optional generative mode; extractive answers are its fallback
    scorer: Scorer = field(init=False)
    references: ReferenceIndex = field(init=False)  # also served as the auditors' reference index
    targets: list[Target] = field(init=False, repr=False)
    _chunk_keys: dict[str, frozenset[str]] = field(init=False, repr=False)
    _targets: dict[str, list[tuple[int, int, str]]] = field(init=False, repr=False)
    scope: Scope = field(init=False, repr=False)  # the corpus's vocabulary: questions about other things abstain
    _spans: dict[str, list[tuple[int, int]]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        index = self.retriever.index
        self.scope = Scope.of_index(index)
        self.scorer = Scorer(c.keys for c in index.chunks)
        self.references = ReferenceIndex.from_texts({s: d.text for s, d in index.documents.items()})
        self._chunk_keys = {c.id: frozenset(c.keys.split()) for c in index.chunks}
        # Where the plans state a target (value spans by kind): a statement holding a target of the kind asked
        # for is a stronger answer to a figure question than one that merely mentions a number.
        self.targets = targets_table(index)  # also served as the auditors' targets table
        self._targets = {}
        for t in self.targets:
            self._targets.setdefault(t.source, []).append((t.start, t.end, t.kind))

    # --- public -----------------------------------------------------------------------------------------------
    def ask(self, question: str, history: tuple[Turn, ...] = (), filters: Filters | None = None,
            mode: str = "hybrid") -> Answer:
        """Answer one question, resolving follow-ups against the conversation history."""
        t0 = time.perf_counter()
        docs = self.retriever.index.documents
        check_question(question)
        resolved, filters = resolve(question, history, docs.values(), filters)
        # An English question is searched and answered through its Vietnamese rendering (the plans' language).
        rendered = to_vietnamese(resolved)
        if rendered is not None and not any(ch.isalnum() for ch in rendered):
            # English whose words the domain glossary does not know: nothing to search the plans for.
            return Answer(question, UNKNOWN_ENGLISH, (), (), True, {"retrieve_ms": 0.0, "compose_ms": 0.0})
        question_used = rendered or resolved
        info = analyse(question_used, docs.values())
        words, left_out = self.scope.question_words(resolved, rendered)
        if self.scope.uncovered(words + left_out, question_used, bool(info.sources)):
            # No word of the question occurs in the documents (accents compared): say so, cite no stray match.
            return Answer(question, OFF_TOPIC, (), (), True, {"retrieve_ms": 0.0, "compose_ms": 0.0})
        passages = self.retriever.search(question_used, self.k, filters, mode, info)
        t1 = time.perf_counter()
        if passages and not info.sources and self.scope.unrelated(words, passages):
            # Words the documents never use, and the best passage holds little of the rest: about something else.
            # A question naming a plan is about the corpus ("Kế hoạch năm 2025 của Sở Y tế Hà Tĩnh đặt ... gì?",
            # with "đặt" in no plan): the answer's own checks say what the plan does not state.
            return Answer(question, OFF_TOPIC, (), (), True, {"retrieve_ms": (t1 - t0) * 1000, "compose_ms": 0.0})
        text, cited, abstained = self._compose(question_used, info, passages, filters, asked=resolved)
        citations = tuple(self._cite(n, s, p) for n, (s, p) in enumerate(cited, start=1))
        ocr = {s for s, d in self.retriever.index.documents.items() if d.ocr_damaged}
        restored = [f"[{c.n}]" for c in citations if c.source in ocr and c.reading and c.reading != c.quote]
        if restored and not abstained:
            # OCR sources are quoted in their restored reading; say so, the citation still opens the original.
            text += f"\n(Trích dẫn {', '.join(restored)}: bản đọc phục hồi dấu từ văn bản quét OCR.)"
        timings = {"retrieve_ms": (t1 - t0) * 1000, "compose_ms": (time.perf_counter() - t1) * 1000}
        answer = Answer(question, text, citations, evidence_first(passages, cited), abstained, timings)
        if self.generator is None or self._unknown_places(question_used):
            # A province with no plan in the corpus: the passages are other provinces', not material to answer from.
            return answer
        return self.generator.answer(resolved, answer, docs)

    # --- composition ------------------------------------------------------------------------------------------
    def _compose(self, question: str, info: QueryInfo, passages: list[Passage], filters: Filters | None,
                 asked: str = ""):
        if not info.across and len(info.sources) > 1 and len(info.places) <= 1:
            # One place, several of its documents: the question is about the one retrieval ranks first.
            top = next((p.source for p in passages if p.source in info.sources), info.sources[0])
            info = replace(info, sources=(top,))
        missing = self._unknown_places(question)
        if missing and not info.sources:
            return self._abstain(f"Các tài liệu hiện có không có kế hoạch nào của {missing}.", passages)
        if not passages:
            return NOT_FOUND, [], True
        other_year = uncovered_year(info, self.retriever.index.documents, self._place_label)
        if other_year:
            return self._abstain(other_year, passages)
        # The English wording says what is asked for when its Vietnamese rendering does not ("what rank").
        kind = answer_kind(question)
        if kind == "text":
            kind = answer_kind(asked or question)
        if kind == "signer":
            return self._signer(question, info, passages)
        fields = identity_fields(asked or question) or identity_fields(question)
        if fields:
            answer = self._identity(fields, info, passages)
            if answer:
                return answer
        folded = fold(question)
        # A symbol in the question may only name the plan ("Kế hoạch triển khai Chỉ thị 32/CT-TTg ..., Sở Nội vụ được
        # giao nhiệm vụ gì?"): the reference index answers when the question asks for documents.
        if _CITATION_Q.search(folded) or (SYMBOL_IN_QUESTION.search(folded) and _ASKS_DOCUMENTS.search(folded)):
            answer = self._legal(question, folded, info, passages)
            if answer:
                return answer
        if info.across or len(info.sources) > 1:
            return self._per_document(question, info, passages, kind)
        return self._fact(question, info, passages, kind)

    def _abstain(self, message: str, passages: list[Passage]):
        """Say the documents do not answer; the retrieved passages stay in the answer as related material, and the
        text names the first of them, so what it says is true wherever it is shown (CLI, API, widget)."""
        return with_related(message, passages, self.retriever.index.documents), [], True

    def _candidates(self, question: str, info: QueryInfo, passages: list[Passage], kind: str) -> list[Candidate]:
        docs = self.retriever.index.documents
        terms = self.scorer.terms(question, self._identifying(info), soften=self._titles(info))
        measure = asked_measure(question) if kind == "number" else None
        out = []
        chunk_keys = self._chunk_keys
        for rank, p in enumerate(passages[:6]):
            # The passage with its document header and section path is the statement's context: part of the
            # evidence, but less than the statement itself.
            have = chunk_keys.get(p.chunk_id, frozenset())
            context = sum(w for t, w in terms.items() if t in have) / sum(terms.values()) if terms else 0.0
            for s in self._statements(p.source, p.start, p.end):
                reading = self._reading(s.source, s.start, s.end)
                # The section title says what a statement is about ("3. Cải cách thể chế" > "c) Đơn vị thực hiện").
                section = " > ".join(path_at(docs[p.source].sections, s.start))
                own = self.scorer.coverage(terms, s.text, reading or "", section)
                support = (1 - CONTEXT_WEIGHT) * own + CONTEXT_WEIGHT * max(own, context)
                md = docs[p.source].metadata
                # A task under a unit's heading is that unit's ("3. Trung tâm Y tế ..." > "a) Chủ trì ...").
                unit = self._heading_unit(s, reading) if kind == "unit" else None
                matched = kind_match(kind, s.text, reading or "", unit or "", own=(md.issuer, md.parent),
                                     measure=measure)
                score = support + KIND_WEIGHT * matched + RANK_WEIGHT / (rank + 1)
                if kind in _TARGET_KINDS and any(s.start <= a < s.end and _TARGET_KINDS[kind] in (None, k)
                                                 for a, _, k in self._targets.get(s.source, ())):
                    score += TARGET_BONUS
                out.append(Candidate(s, self._home(s, p, passages), rank, support, score, reading, matched))
        out.sort(key=lambda c: -c.score)
        return out

    def _fact(self, question: str, info: QueryInfo, passages: list[Passage], kind: str):
        # A question that names a plan (its province or unit) is answered from that plan only: another
        # province's statement is not the answer, however well it matches the wording.
        named = [p for p in passages if p.source in info.sources] if info.sources else passages
        cands = self._candidates(question, info, named, kind)
        if not cands or not self._supported(cands[0], kind):
            return self._abstain(NOT_FOUND, passages)
        best = cands[0]
        chosen = [best]
        for c in cands[1:4]:  # a second statement only when it is as good and holds the value the first lacks
            if (kind in VALUE_KINDS and c.support >= best.support and c.score >= best.score
                    and c.passage.source == best.passage.source and not overlaps(c, chosen)):
                chosen.append(c)
                break
        lines = [f"{shown(c)} [{n}]" for n, c in enumerate(chosen, start=1)]
        if kind == "unit":
            # The task stands under the heading of the unit it is assigned to ("3. Trung tâm Y tế ..."): say so.
            unit = self._heading_unit(best.sentence, best.reading)
            if unit:
                lines.insert(0, f"{unit}:")
        if not info.sources:
            # The question named no plan: say whose plan the answer comes from ("which department's plan ...").
            lines.insert(0, f"Theo {doc_name(self.retriever.index.documents[best.sentence.source].metadata)}:")
        return " ".join(lines), [(c.sentence, c.passage) for c in chosen], False

    def _heading_unit(self, sentence: Sentence, reading: str | None) -> str | None:
        """The unit named by the nearest heading above a statement that names none itself."""
        document = self.retriever.index.documents[sentence.source]
        own = (document.metadata.issuer, document.metadata.parent)
        if kind_match("unit", sentence.text, reading or "", own=own) == 1:
            return None
        for title in reversed(path_at(document.sections, sentence.start)):
            readable = re.sub(r"^\W*(?:[IVXLC]+|\d{1,2}(?:\.\d{1,2})*|[a-zđ])[.)]\s*", "", title).strip()
            if kind_match("unit", readable, own=own) == 1 and len(readable) <= 120:
                return readable
        return None

    def _supported(self, c: Candidate, kind: str) -> bool:
        """Enough evidence to answer: the question's words, or fewer of them plus the kind of value it asks for."""
        if kind in VALUE_KINDS:
            # "bao nhiêu khu công nghiệp": a count of something else ("87 trạm") is no value of the thing asked.
            matched = c.matched if c.matched is not None else kind_match(kind, c.sentence.text, c.reading or "")
            has_value = matched == 1
            return has_value and c.support >= VALUE_SUPPORT
        return c.support >= self.min_support

    def _signer(self, question: str, info: QueryInfo, passages: list[Passage]):
        docs = self.retriever.index.documents
        found = signer_lines(docs, info.sources or [passages[0].source], self._passage_of, self._reading)
        return found or self._abstain("Tài liệu không ghi người ký kế hoạch này.", passages)

    def _identity(self, fields: list[str], info: QueryInfo, passages: list[Passage]):
        """Number, date or issuer of the document asked about, from its metadata, citing its header lines."""
        source = next((p.source for p in passages if not info.sources or p.source in info.sources), None)
        if source is None:
            return None
        return identity_answer(self.retriever.index.documents[source], fields, self._place_label(source),
                               self._passage_of)

    # --- helpers ----------------------------------------------------------------------------------------------
    def _place_label(self, source: str) -> str:
        """A plan named by its place in a list ("Hà Tĩnh", "Tu Mơ Rông"): the unit's district or its province."""
        md = self.retriever.index.documents[source].metadata
        m = re.search(r"\b(?:huyện|quận|thị xã|thành phố)\s+(.+)$", md.issuer or "")
        # The index stores OCR issuers in their restored reading (corpus.readable_metadata).
        place = m.group(1) if m else md.province
        return place or doc_label(md)

    def _preamble_statements(self, source: str) -> list[Sentence]:
        """Statements of the text before the first top-level heading (the "Căn cứ ..." / "Thực hiện ..." part)."""
        doc = self.retriever.index.documents[source]
        first = doc.sections[0] if doc.sections else None
        if first is None or first.title != "Phần đầu":
            return []
        return self._statements(source, first.start, first.end)

    def _identifying(self, info: QueryInfo) -> list[str]:
        """Words that only say which plan is meant (its places, issuer, number): the soft filter uses them, so
        they are not evidence that a statement answers the question."""
        docs = self.retriever.index.documents
        words: list[str] = []
        for s in info.sources:
            md = docs[s].metadata
            words += list(place_names(docs[s])) + [x for x in (md.issuer, md.parent, md.number) if x]
        return words

    def _titles(self, info: QueryInfo) -> list[str]:
        """Titles of the documents the question names: their words say which plan is meant more than what is
        asked ("Trong kế hoạch chuyển đổi số cho doanh nghiệp của Đồng Tháp, cơ quan nào ..."), so they weigh less."""
        docs = self.retriever.index.documents
        return [docs[s].metadata.title for s in info.sources if docs[s].metadata.title]

    @functools.cached_property
    def _known_places(self) -> frozenset[str]:
        return known_places(self.retriever.index.documents.values())

    def _unknown_places(self, question: str) -> str | None:
        return unknown_place(question, self._known_places)

    def _statements(self, source: str, start: int, end: int) -> list[Sentence]:
        """Statements touching a span, whole: one cut by a chunk edge is read to its own ends ("... với các lĩnh
        vực: (1) ..., (2) ...," | "(3) ..."), so its subject and its values stay together; past STATEMENT_REACH
        characters it is cut at the span edge as before. Marked-up text is split on its clean view, where a table
        row is one line."""
        document = self.retriever.index.documents[source]
        view = self.retriever.index.restorations.get(source)
        plain = view is None or document.ocr_damaged
        a, b = (start, end) if plain else to_restored_span(view, start, end)
        spans = self._statement_spans(source)
        out = []
        for i in range(max(0, bisect.bisect_right(spans, (a,)) - 1), len(spans)):
            x, y = spans[i]
            if x >= b:
                break
            if y <= a:
                continue
            x = x if x >= a - STATEMENT_REACH else a
            y = y if y <= b + STATEMENT_REACH else b
            if not plain:
                x, y = to_original_span(view, x, y)
            if y - x >= 8:
                out.append(Sentence(source, x, y, document.text[x:y]))
        return out

    def _home(self, s: Sentence, p: Passage, passages: list[Passage]) -> Passage:
        """The passage a statement is shown in: its own, unless the statement, read past a chunk edge, lies mostly
        in a neighbouring chunk (a retrieved one when it can be)."""
        def inside(q_start: int, q_end: int) -> int:
            return max(0, min(s.end, q_end) - max(s.start, q_start))
        if 2 * inside(p.start, p.end) >= s.end - s.start:
            return p
        best = max((q for q in passages if q.source == s.source), key=lambda q: inside(q.start, q.end), default=p)
        if 2 * inside(best.start, best.end) >= s.end - s.start:
            return best
        chunks = self.retriever.index.chunks
        i = max((i for i, c in enumerate(chunks) if c.source == s.source), key=lambda i: inside(chunks[i].start,
                chunks[i].end))
        return self.retriever.passage(i, 0.0) if inside(chunks[i].start, chunks[i].end) > inside(p.start, p.end) else p

    def _statement_spans(self, source: str) -> list[tuple[int, int]]:
        """Every statement of a document as (start, end), split once: on the text, or on the clean view."""
        spans = self._spans.get(source)
        if spans is None:
            document = self.retriever.index.documents[source]
            view = self.retriever.index.restorations.get(source)
            text = document.text if view is None or document.ocr_damaged else view.text
            spans = self._spans[source] = [(s.start, s.end) for s in split(source, text, 0, len(text))]
        return spans

    def _reading(self, source: str, start: int, end: int) -> str | None:
        r = self.retriever.index.restorations.get(source)
        if r is None:
            return None
        s, e = to_restored_span(r, start, end)
        return r.text[s:e]

    def _passage_of(self, source: str, span) -> Passage:
        for i, c in enumerate(self.retriever.index.chunks):
            if c.source == source and c.start <= span.start < c.end:
                return self.retriever.passage(i, 0.0)
        raise KeyError(source)

    def _cite(self, n: int, sentence: Sentence, passage: Passage) -> Citation:
        document = self.retriever.index.documents[sentence.source]
        r = self.retriever.index.restorations.get(sentence.source)
        unsure = unsure_words(r, document.text, sentence.start, sentence.end) if r is not None else ()
        return Citation(n, sentence.source, sentence.start, sentence.end, sentence.text, passage.section,
                        document.metadata, self._reading(sentence.source, sentence.start, sentence.end), unsure,
                        page=document.page_at(sentence.start))
