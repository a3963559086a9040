"""What the corpus covers: questions whose content words the indexed documents do not use are off-topic.

Folded words collide ("phở" and "phó" are both "pho", "bò" and "bộ" both "bo"), so a word typed with diacritics is
looked up in an accented vocabulary of the corpus (clean text, and the restored reading of OCR documents), a word
typed without them in the folded one. The vocabulary is learned from the indexed chunks, once per index.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.render import doc_label
from assistant.answer.statements import STOPWORDS
from assistant.restore.restorer import to_restored_span
from assistant.search.crosslingual import base_form, default_glossary
from assistant.search.index import Index
from assistant.search.query import place_names
from assistant.text.fold import fold, fold_map
from assistant.text.normalize import ACRONYMS, SPECIAL_RE, canonical_special, has_diacritics, nfc, segment
from assistant.text.places import PROVINCE_ALT
from assistant.types import Document, Passage

# Both chosen by cross-validation over documents (`python -m assistant.evaluation.offtopic`, report in
# evals/offtopic_calibration.md): a word the corpus never uses weighs UNSEEN_WEIGHT times the idf of the rarest
# word, and below MIN_EVIDENCE of the question's weighted content words in its best passage, nothing covers it.
UNSEEN_WEIGHT = 3.0
MIN_EVIDENCE = 0.23
OFF_TOPIC = ("Các tài liệu hiện có không đề cập đến nội dung của câu hỏi này; trợ lý chỉ trả lời từ các kế hoạch "
             "và văn bản đã được đưa vào hệ thống.")
RELATED_SHOWN = 3  # passages an abstention names as the closest material
SNIPPET_CHARS = 90  # of each, its opening words
# Chat and question words that never carry a topic, beyond the statement scorer's (folded forms).
_CHAT_WORDS = frozenset(
    "hom nay ngay mai hom qua toi minh ban hay xin vui long biet cho hoi giup lam sao nhe vay dau bao gio hien "
    "nhat dang khong chua roi nua duoc".split()
)
# English words the glossary does not render and that say nothing about a topic.
_ENGLISH_FUNCTION = frozenset(
    "the a an of in on at for to by is are was were be been being do does did has have had i me my you your we our "
    "us it its they them their there this that these those and or but if as so than then also any some very please "
    "can could would should will shall may might must just about into from with without tell give show".split()
)
_PHRASE_BREAK = re.compile(r"[^\w\s-]|[\d_]")
_LETTERS = re.compile(r"[^\W\d_]+")
_PROVINCE = re.compile(rf"(?<![a-z])(?:{PROVINCE_ALT})(?![a-z])")


@dataclass(frozen=True)
class Word:
    """A content word of a question: its syllables, and whether they are compared with their diacritics."""

    syllables: tuple[str, ...]
    accented: bool

    def units(self) -> tuple[str, ...]:
        """The vocabulary entries the word needs: its syllable, or every adjacent pair of its syllables."""
        s = self.syllables
        return s if len(s) == 1 else tuple(f"{a} {b}" for a, b in zip(s, s[1:], strict=False))


def _symbol(token: str) -> str | None:
    """The folded key of a document symbol ("61/2018/NĐ-CP" -> "61/2018/nd-cp"); None for numbers and dates."""
    key = canonical_special(token)
    return key if _LETTERS.search(key) else None


def units(text: str) -> tuple[set[str], set[str]]:
    """Accented and folded syllables and pairs of adjacent syllables (nothing but a space or hyphen between); the
    folded set also holds the document symbols the text cites."""
    lowered = nfc(text).lower()
    out: tuple[set[str], set[str]] = (set(), set())
    for view, found in zip((lowered, fold(lowered)), out, strict=True):
        for phrase in _PHRASE_BREAK.split(view):
            syllables = _LETTERS.findall(phrase)
            found.update(syllables)
            found.update(f"{a} {b}" for a, b in zip(syllables, syllables[1:], strict=False))
    out[1].update(key for m in SPECIAL_RE.finditer(text) if (key := _symbol(m.group())))
    return out


def best_share(idf: Sequence[float], supported: Sequence[bool], presence: Sequence[Sequence[bool]],
               unseen: float) -> float:
    """The largest idf-weighted share of the words one passage holds; a word the corpus lacks weighs `unseen` times
    its idf, because a word no document uses says the question is about something else."""
    weights = [w * (1.0 if s else unseen) for w, s in zip(idf, supported, strict=True)]
    total = sum(weights)
    if not total:
        return 1.0
    return max((sum(w for w, p in zip(weights, row, strict=True) if p) / total for row in presence), default=0.0)


@dataclass(frozen=True)
class Scope:
    """The corpus's vocabulary, accented and folded, with how many chunks use each entry, and the floor."""

    accented: Mapping[str, int]  # entry -> number of chunks holding it
    folded: Mapping[str, int]
    chunks: int
    places: frozenset[str]  # folded place names of the indexed documents
    min_evidence: float = MIN_EVIDENCE
    unseen: float = UNSEEN_WEIGHT

    @classmethod
    def of_index(cls, index: Index, min_evidence: float = MIN_EVIDENCE, unseen: float = UNSEEN_WEIGHT) -> Scope:
        """Learn the vocabulary from the indexed chunks, read as users read them (OCR text in its restored reading)."""
        accented: Counter[str] = Counter()
        folded: Counter[str] = Counter()
        for c in index.chunks:
            view = index.restorations.get(c.source)
            text = c.text
            if view is not None and index.documents[c.source].ocr_damaged:
                s, e = to_restored_span(view, c.start, c.end)
                text = view.text[s:e]
            a, f = units(text)
            accented.update(a)
            folded.update(f)
        places = frozenset(n for d in index.documents.values() for n in place_names(d))
        return cls(dict(accented), dict(folded), max(len(index.chunks), 1), places, min_evidence, unseen)

    def words(self, question: str) -> list[Word]:
        """Content words of a question, and the symbols it cites: no question or chat words, no place names (they
        say where, not what)."""
        text = nfc(question)
        folded = fold_map(text)
        blank = list(text)
        names = "|".join(re.escape(n) for n in sorted(self.places, key=len, reverse=True))
        for pattern in ([re.compile(rf"(?<![a-z])(?:{names})(?![a-z])")] if names else []) + [_PROVINCE]:
            for m in pattern.finditer(folded.text):
                a, b = folded.span(m.start(), m.end())
                blank[a:b] = " " * (b - a)
        out: list[Word] = []
        for w in segment("".join(blank)):
            if SPECIAL_RE.fullmatch(w):  # a cited symbol says what the question is about; a number or date does not
                key = _symbol(w)
                if key:
                    out.append(Word((key,), False))
                continue
            syllables = tuple(p.lower() for p in w.split("_") if _LETTERS.fullmatch(p))
            if not syllables or len("".join(syllables)) < 2:
                continue
            keys = tuple(fold(s) for s in syllables)
            if all(k in STOPWORDS or k in _CHAT_WORDS or k in _ENGLISH_FUNCTION for k in keys):
                continue
            if len(keys) == 1 and keys[0] in ACRONYMS:  # "TTYT": the plans may spell it out
                out.append(Word(tuple(ACRONYMS[keys[0]].split()), False))
            elif has_diacritics(w):
                out.append(Word(syllables, True))
            else:
                out.append(Word(keys, False))
        return list(dict.fromkeys(out))

    def english_left_out(self, question: str, rendered: str) -> list[Word]:
        """English content words the glossary could not render (it knows the plans' domain, not the world's)."""
        glossary = default_glossary().words
        kept = {w.lower() for w in _LETTERS.findall(rendered)}
        out = []
        for m in _LETTERS.finditer(re.sub(r"(?<=\w)['’]s\b", " ", question)):
            w = m.group().lower()
            if len(w) < 3 or w in kept or w in _ENGLISH_FUNCTION or w in glossary or base_form(w, glossary) in glossary:
                continue
            out.append(Word((w,), False))
        return list(dict.fromkeys(out))

    def question_words(self, asked: str, rendered: str | None) -> tuple[list[Word], list[Word]]:
        """Content words of the question searched (an English question's rendering), and English words left out."""
        if rendered is None:
            return self.words(asked), []
        return self.words(rendered), self.english_left_out(asked, rendered)

    def supported(self, word: Word) -> bool:
        """The corpus uses the word (its syllable, or each pair of adjacent syllables), with the diacritics typed."""
        vocabulary = self.accented if word.accented else self.folded
        return all(u in vocabulary for u in word.units())

    def idf(self, word: Word) -> float:
        """Robertson–Spärck Jones idf of the word's rarest entry over the chunks."""
        vocabulary = self.accented if word.accented else self.folded
        df = min(vocabulary.get(u, 0) for u in word.units())
        return math.log(1 + (self.chunks - df + 0.5) / (df + 0.5))

    def uncovered(self, words: Sequence[Word], question: str, names_a_document: bool) -> bool:
        """No content word the corpus uses. A question without content words ("' OR '1'='1") counts too, unless it
        names a plan or a place: "còn Cà Mau thì sao?" is answered by saying which provinces have plans."""
        if words:
            return not any(self.supported(w) for w in words)
        return not names_a_document and not _PROVINCE.search(fold(question))

    def presence(self, words: Sequence[Word], passages: Sequence[Passage]) -> list[list[bool]]:
        """Which words each passage holds (an OCR passage in its restored reading)."""
        out = []
        for p in passages:
            accented, folded = units(p.reading or p.text)
            out.append([all(u in (accented if w.accented else folded) for u in w.units()) for w in words])
        return out

    def unrelated(self, words: Sequence[Word], passages: Sequence[Passage]) -> bool:
        """Some word of the question is not in the corpus, and the best passage holds too little of the others. A
        question all of whose words the corpus uses ("Ai ký kế hoạch này?") is left to the answer's own checks."""
        return not all(self.supported(w) for w in words) and self.evidence(words, passages) < self.min_evidence

    def evidence(self, words: Sequence[Word], passages: Sequence[Passage]) -> float:
        """The best passage's weighted share of the question's content words (1.0 when it has none)."""
        return best_share([self.idf(w) for w in words], [self.supported(w) for w in words],
                          self.presence(words, passages), self.unseen)


def with_related(message: str, passages: Sequence[Passage], documents: Mapping[str, Document]) -> str:
    """An abstention that names the closest passages it returns, so what it says is what every client shows: each
    by its document, its opening words (the restored reading of OCR text) and its span."""
    if not passages:
        return message
    lines = [message, "Các đoạn gần nhất với câu hỏi (không chứa câu trả lời), để tham khảo:"]
    for p in passages[:RELATED_SHOWN]:
        md = documents[p.source].metadata
        number = md.number if md.number and md.number[:1].isdigit() else None  # "/KH-SYT": the number left blank
        words = " ".join((p.reading or p.text).split())
        opening = words if len(words) <= SNIPPET_CHARS else words[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
        label = " · ".join(x for x in (doc_label(md), number) if x)
        lines.append(f"- {label}: “{opening}” ({p.source} [{p.start}:{p.end}])")
    return "\n".join(lines)
