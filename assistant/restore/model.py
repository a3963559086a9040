"""Noisy-channel model for OCR'd Vietnamese: syllable trigram LM, learned channel table, candidate index."""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from assistant.restore import names as rn
from assistant.restore.prior import letter_counts, prior_emit, skeleton_bound, smoothed_cost
from assistant.text import syllables as sy
from assistant.text.syllables import channel_cost, ocr_skeleton

log = logging.getLogger(__name__)

MODEL_VERSION = "restore-v9"  # v9: column gaps restart the LM; v8: the clean plans' mark typos put right
NUM, UNK, BOS, FOREIGN = "<num>", "<unk>", "<s>", "<foreign>"
DOMAIN_WEIGHT = 1.0  # in-domain counts also enter the general LM; their main share comes via DOMAIN_LAMBDA
# Share of the in-domain trigram LM: 0.1 / 0.2 / 0.35 gave 0.9665 / 0.9670 / 0.9676 on the development OCR lines and
# 0.9744 / 0.9748 / 0.9743 stripped (with the word n-grams at 0.5); 0.35 also keeps the plans' "đạt từ 85%" over
# the news text's "đất từ" (tests/restore/test_restorer.py).
DOMAIN_LAMBDA = 0.35
LEXICON_WEIGHT = 0.5  # a dictionary entry counts as half an occurrence of its inner bigrams (2: dev +1 token, 5: worse)
DISCOUNT = 0.7
EM_PRIOR_STRENGTH = 20.0  # pseudo-count of the channel prior per gold letter in a document's own EM
SKELETON_MARGIN = 7.0
CASE_PRIOR_STRENGTH = 5.0  # pseudo-count of the overall Title-case rate in the per-word capitalisation share
_SENTENCE_END = tuple(".:;!?")  # prune skeletons whose best spelling already costs this much more than the best
# Weight of a syllable's frequency when choosing which candidates the search sees: rare syllables that happen to
# be close to the OCR string ("trố", "trẹ" for "tr") must not crowd out common ones a little further ("tử").
CANDIDATE_PRIOR = 1.0
_TWO_GLYPH_LETTERS = (("ir", "u"), ("ii", "u"), ("rn", "m"))


def _deletes(s: str, k: int) -> set[str]:
    """All strings obtained by deleting up to k characters."""
    out = {s}
    for d in range(1, min(k, len(s)) + 1):
        for idx in combinations(range(len(s)), d):
            out.add("".join(c for i, c in enumerate(s) if i not in idx))
    return out


@dataclass
class DomainLM:
    """Trigram LM over the clean in-domain documents alone; its unigram backs off to the general one."""

    unigram: dict[str, float]
    bigram: dict[tuple[str, str], float]
    trigram: dict[tuple[str, str, str], float]
    ctx1: dict[str, tuple[float, int]]  # context -> (count, distinct followers)
    ctx2: dict[tuple[str, str], tuple[float, int]]
    total: float
    types: int

    def prob(self, prev2: str, prev: str, word: str, base: float) -> float:
        """P(word | prev2 prev) by absolute discounting down to the general unigram `base`."""
        p = max(self.unigram.get(word, 0.0) - DISCOUNT, 0.0) / self.total + DISCOUNT * self.types / self.total * base
        for ctx, table, key in ((self.ctx1.get(prev), self.bigram, (prev, word)),
                                (self.ctx2.get((prev2, prev)), self.trigram, (prev2, prev, word))):
            if ctx:
                n, kinds = ctx
                p = max(table.get(key, 0.0) - DISCOUNT, 0.0) / n + DISCOUNT * kinds / n * p
        return p

    @classmethod
    def from_counts(cls, uni: Counter[str], bi: Counter[tuple[str, str]],
                    tri: Counter[tuple[str, str, str]]) -> DomainLM:
        """Tables from raw n-gram counts."""
        ctx1: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        ctx2: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
        for (a, _b), c in bi.items():
            ctx1[a][0] += c
            ctx1[a][1] += 1
        for (a, b, _c), c in tri.items():
            ctx2[(a, b)][0] += c
            ctx2[(a, b)][1] += 1
        return cls(dict(uni), dict(bi), dict(tri), {k: (v[0], int(v[1])) for k, v in ctx1.items()},
                   {k: (v[0], int(v[1])) for k, v in ctx2.items()}, max(1.0, sum(uni.values())), len(uni))


@dataclass(eq=False)  # identity equality: models are memo keys
class RestoreModel:
    """Bigram LM over lowercase syllables plus a deletion index from skeletons to syllables."""

    unigram: dict[str, float]
    bigram: dict[tuple[str, str], float]
    context_total: dict[str, float]
    context_types: dict[str, int]
    p_base: dict[str, float]
    by_skeleton: dict[str, list[str]]
    delete_index: dict[str, list[str]]
    abbreviations: dict[str, str]  # Đ-folded abbreviation -> spelling with Đ (from clean text)
    acronyms: frozenset[str]
    plain_share: dict[str, float] = field(default_factory=dict)  # skeleton -> share written without marks
    emission: dict[tuple[str, str], float] = field(default_factory=dict)  # learned costs
    emit_unseen: dict[str, float] = field(default_factory=dict)  # extra cost of an unlearned emission
    trigram: dict[tuple[str, str, str], float] = field(default_factory=dict)
    tri_total: dict[tuple[str, str], float] = field(default_factory=dict)
    tri_types: dict[tuple[str, str], int] = field(default_factory=dict)
    names: rn.NameModel | None = None
    capitalised: dict[str, tuple[float, float]] = field(default_factory=dict)  # syllable -> (Title-case, seen)
    cap_rate: float = 0.1
    floor: float = 1e-7
    domain: DomainLM | None = None
    domain_lambda: float = DOMAIN_LAMBDA
    adapt: dict[str, float] = field(default_factory=dict)  # word -> log of its MDI scale on the general LM
    key: str = ""  # cache key: version, code, shipped resources and the hashes of the in-domain texts
    adapted_to: str = ""  # sha256 of the document whose OCR channel this model carries, if any
    # Memos of candidate lists and restored lines; they depend on the channel, so each model has its own.
    memo_candidates: dict = field(default_factory=dict, init=False, repr=False)
    memo_lines: dict = field(default_factory=dict, init=False, repr=False)

    def __getstate__(self) -> dict:
        """Pickle without the memos."""
        return {**self.__dict__, "memo_candidates": {}, "memo_lines": {}}

    def case_cost(self, word: str, title: bool) -> float:
        """-log P(written Title-case or not | word) mid-sentence: a capital marks a name more than a word."""
        cap, seen = self.capitalised.get(word, (0.0, 0.0))
        p = (cap + CASE_PRIOR_STRENGTH * self.cap_rate) / (seen + CASE_PRIOR_STRENGTH)
        return -math.log(p if title else 1.0 - p)

    def logp(self, prev: str, word: str) -> float:
        """Interpolated absolute-discount bigram log-probability."""
        pb = self.p_base.get(word, self.floor)
        total = self.context_total.get(prev)
        if not total:
            return math.log(pb)
        c = self.bigram.get((prev, word), 0.0)
        lam = DISCOUNT * self.context_types[prev] / total
        return math.log(max(c - DISCOUNT, 0.0) / total + lam * pb)

    def logp3(self, prev2: str, prev: str, word: str) -> float:
        """General trigram, each word scaled by how much more the plans use it, interpolated with the in-domain
        trigram: plan phrasing is rare in general text."""
        # unnormalised (Federico's fast MDI divides by each context's sum): normalising by the bigram context gave
        # 0.9681 dev / 0.9752 stripped but let the news bigram "đất từ" back over the plans' "đạt từ X%"
        p = math.exp(self._general3(prev2, prev, word) + self.adapt.get(word, 0.0))
        if self.domain is not None and self.domain_lambda > 0:
            pd = self.domain.prob(prev2, prev, word, self.p_base.get(word, self.floor))
            p = self.domain_lambda * pd + (1.0 - self.domain_lambda) * p
        return math.log(p)

    def _general3(self, prev2: str, prev: str, word: str) -> float:
        """Trigram log-probability interpolated down to the bigram (absolute discounting)."""
        total = self.tri_total.get((prev2, prev))
        if not total:
            return self.logp(prev, word)
        p2 = math.exp(self.logp(prev, word))
        c = self.trigram.get((prev2, prev, word), 0.0)
        lam = DISCOUNT * self.tri_types[(prev2, prev)] / total
        return math.log(max(c - DISCOUNT, 0.0) / total + lam * p2)

    def emit(self, gold: str, ocr: str) -> float:
        """Learned emission cost, falling back to the class prior (scaled down by the learned mass)."""
        c = self.emission.get((gold, ocr))
        if c is not None:
            return c
        return prior_emit(gold, ocr) + self.emit_unseen.get(gold, 0.0)

    def learn_channel(self, pairs: list[tuple[str, str]], strength: float = EM_PRIOR_STRENGTH) -> None:
        """M-step: re-estimate P(ocr | gold letter) from aligned (gold syllable, OCR token) pairs."""
        counts = letter_counts(pairs, self.emit)
        per_gold: Counter[str] = Counter()
        for (g, _o), c in counts.items():
            per_gold[g] += c
        self.emission = {}
        self.emit_unseen = {g: math.log((n + strength) / strength) for g, n in per_gold.items()}
        for (g, o), c in counts.items():
            self.emission[(g, o)] = smoothed_cost(c, per_gold[g], prior_emit(g, o), strength)
        self.memo_candidates.clear()
        self.memo_lines.clear()

    def candidates(self, token: str, limit: int = 20) -> list[tuple[str, float]]:
        """Inventory syllables for a lowercase OCR token, best channel cost first."""
        return _candidates(self, token, limit)


def _candidates(model: RestoreModel, token: str, limit: int) -> list[tuple[str, float]]:
    key = (token, limit)
    hit = model.memo_candidates.get(key)
    if hit is not None:
        return hit
    skel = ocr_skeleton(token)
    k = 1 if len(skel) <= 2 else 2
    skeletons: set[str] = set()
    for variant in _skeleton_variants(skel):
        for d in _deletes(variant, k):
            skeletons.update(model.delete_index.get(d, ()))
    bounds = [(channel_cost(sk, token, skeleton_bound), sk) for sk in skeletons
              if abs(len(sk) - len(skel)) <= 2]
    if not bounds:
        model.memo_candidates[key] = []
        return []
    floor = min(b for b, _ in bounds)
    scored = []
    for bound, sk in bounds:
        if bound > floor + SKELETON_MARGIN:
            continue
        for syl in model.by_skeleton[sk]:
            c = channel_cost(syl, token, model.emit)
            if c < 25:
                scored.append((c - CANDIDATE_PRIOR * math.log(model.p_base.get(syl, model.floor)), c, syl))
    scored.sort()
    out = [(syl, c) for _, c, syl in scored[:limit]]
    model.memo_candidates[key] = out
    return out


def _skeleton_variants(skel: str) -> set[str]:
    """The OCR skeleton and its readings with each two-glyph rendering of one letter ("ir", "ii" for ư, "rn" for
    m) taken back to that letter: a substitution plus an insertion is beyond the deletion index's reach."""
    out = {skel}
    for glyphs, letter in _TWO_GLYPH_LETTERS:
        for v in list(out):
            if glyphs in v:
                out.add(v.replace(glyphs, letter))
    return out


def _lm_tokens(text: str) -> list[str]:
    """Lowercase LM tokens of a clean line: syllables, <num> for numbers, <unk> for anything else."""
    out = []
    for raw in text.split():
        core = raw.strip(".,;:!?()[]{}\"'“”‘’…*-–—/%").lower()
        if not core:
            continue
        if core in (rn.PLACE, rn.PERSON):
            out.append(core)  # a name marked by restore_names: its class, so context learns "huyện <place>"
        elif any(c.isdigit() for c in core):
            out.append(NUM)
        elif sy.is_syllable(core):
            out.append(sy.canonical_tone(core))
        elif raw.strip(".,;:!?()[]{}\"'“”‘’…*").isupper() and core.isalpha() and len(core) <= 8:
            out.append(core)  # acronyms (UBND, CCHC) are strong context: "UBND tỉnh"
        elif core.isalpha():
            out.append(FOREIGN)  # names and loanwords outside the syllable inventory
        else:
            out.append(UNK)
    return out


def mid_sentence_case(raws: list[str]) -> list[bool | None]:
    """Per token: True Title-case, False lowercase, None where case says nothing (line/sentence start, CAPS)."""
    out: list[bool | None] = []
    for i, raw in enumerate(raws):
        core = raw.strip(".,;:!?()[]{}\"'“”‘’…*-–—/%")
        if i == 0 or raws[i - 1].endswith(_SENTENCE_END) or len(core) < 2 or not core.isalpha() or core.isupper():
            out.append(None)
        else:
            out.append(core[0].isupper())
    return out
