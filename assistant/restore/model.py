"""Noisy-channel model for OCR'd Vietnamese: syllable trigram LM, learned channel table, candidate index."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from itertools import combinations
from pathlib import Path

from assistant.restore import names as rn
from assistant.text import glossary
from assistant.text import syllables as sy
from assistant.text.syllables import align, channel_cost, emit_cost, ocr_skeleton, skeleton_emit_cost

log = logging.getLogger(__name__)

MODEL_VERSION = "restore-v5"
NUM, UNK, BOS, FOREIGN = "<num>", "<unk>", "<s>", "<foreign>"
DOMAIN_WEIGHT = 1.0  # in-domain counts also enter the general LM; their main share comes via DOMAIN_LAMBDA
DOMAIN_LAMBDA = 0.2  # share of the in-domain trigram LM (dev accuracy is flat from 0.2 to 0.4)
LEXICON_WEIGHT = 0.5  # a dictionary entry counts as half an occurrence of its inner bigrams
DISCOUNT = 0.7
EM_PRIOR_STRENGTH = 20.0  # pseudo-count of the hand-estimated class prior per gold letter
SKELETON_MARGIN = 7.0
CASE_PRIOR_STRENGTH = 5.0  # pseudo-count of the overall Title-case rate in the per-word capitalisation share
_SENTENCE_END = tuple(".:;!?")  # prune skeletons whose best spelling already costs this much more than the best

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


@dataclass
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
        """General trigram interpolated with the in-domain one: plan phrasing is rare in general text."""
        p = math.exp(self._general3(prev2, prev, word))
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
        return emit_cost(gold, ocr) + self.emit_unseen.get(gold, 0.0)

    def learn_channel(self, pairs: list[tuple[str, str]], strength: float = EM_PRIOR_STRENGTH) -> None:
        """M-step: re-estimate P(ocr | gold letter) from aligned (gold syllable, OCR token) pairs."""
        counts: Counter[tuple[str, str]] = Counter()
        for gold, ocr in pairs:
            counts.update(align(gold, ocr, self.emit))
        per_gold: Counter[str] = Counter()
        for (g, _o), c in counts.items():
            per_gold[g] += c
        self.emission = {}
        self.emit_unseen = {g: math.log((n + strength) / strength) for g, n in per_gold.items()}
        for (g, o), c in counts.items():
            prior = math.exp(-emit_cost(g, o))
            self.emission[(g, o)] = -math.log((c + strength * prior) / (per_gold[g] + strength))
        _CAND_CACHE.clear()

    def candidates(self, token: str, limit: int = 20) -> list[tuple[str, float]]:
        """Inventory syllables for a lowercase OCR token, best channel cost first."""
        return _candidates(self, token, limit)


_CAND_CACHE: dict[tuple[int, str, int], list[tuple[str, float]]] = {}


def _candidates(model: RestoreModel, token: str, limit: int) -> list[tuple[str, float]]:
    key = (id(model), token, limit)
    hit = _CAND_CACHE.get(key)
    if hit is not None:
        return hit
    skel = ocr_skeleton(token)
    k = 1 if len(skel) <= 2 else 2
    skeletons: set[str] = set()
    for d in _deletes(skel, k):
        skeletons.update(model.delete_index.get(d, ()))
    bounds = [(channel_cost(sk, token, skeleton_emit_cost), sk) for sk in skeletons
              if abs(len(sk) - len(skel)) <= 2]
    if not bounds:
        _CAND_CACHE[key] = []
        return []
    floor = min(b for b, _ in bounds)
    scored = []
    for bound, sk in bounds:
        if bound > floor + SKELETON_MARGIN:
            continue
        for syl in model.by_skeleton[sk]:
            c = channel_cost(syl, token, model.emit)
            if c < 25:
                scored.append((c - 0.3 * math.log(model.p_base.get(syl, model.floor)), c, syl))
    scored.sort()
    out = [(syl, c) for _, c, syl in scored[:limit]]
    _CAND_CACHE[key] = out
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


def _count_case(line: str, caps: dict[str, list[float]], weight: float) -> None:
    raws = line.split()
    for raw, title in zip(raws, mid_sentence_case(raws), strict=True):
        low = raw.strip(".,;:!?()[]{}\"'“”‘’…*-–—/%").lower()
        if title is not None and sy.is_syllable(low):
            row = caps.setdefault(sy.canonical_tone(low), [0.0, 0.0])
            row[0] += weight * title
            row[1] += weight


def build_model() -> RestoreModel:
    """Train the LM and the syllable inventory from clean text shipped offline."""
    uni: Counter[str] = Counter()
    bi: Counter[tuple[str, str]] = Counter()
    tri: Counter[tuple[str, str, str]] = Counter()
    abbreviations: dict[str, str] = {}
    acronyms: set[str] = set()

    dom_uni: Counter[str] = Counter()
    dom_bi: Counter[tuple[str, str]] = Counter()
    dom_tri: Counter[tuple[str, str, str]] = Counter()

    def add(tokens: list[str], weight: float, domain: bool = False) -> None:
        prev2, prev = BOS, BOS
        for t in tokens:
            uni[t] += weight
            bi[(prev, t)] += weight
            tri[(prev2, prev, t)] += weight
            if domain:
                dom_uni[t] += 1
                dom_bi[(prev, t)] += 1
                dom_tri[(prev2, prev, t)] += 1
            prev2, prev = prev, t

    lexicon_lines = [line for path in sy.lexicon_files() for line in path.read_text(encoding="utf-8").splitlines()]
    lexicon = {line.strip() for line in lexicon_lines if line.strip() and line == line.lower()}
    kinds = rn.load_gazetteer()
    place_counts: Counter[tuple[str, ...]] = Counter()
    caps: dict[str, list[float]] = {}
    given: Counter[str] = Counter()
    for line in lexicon_lines:  # dictionary entries such as "Trần Cao Vân" teach the name-syllable unigram
        if line[:1].isupper():
            rn.mark_names(line, kinds, lexicon, Counter(), given)
    for text_line, weight in rn.unit_lines(kinds):
        add(_lm_tokens(text_line), weight)
    for path in sy.clean_corpus_files():
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            marked = rn.mark_names(line, kinds, lexicon, place_counts, given)
            add(_lm_tokens(marked), DOMAIN_WEIGHT, domain=True)
            _count_case(marked, caps, DOMAIN_WEIGHT)
        for tok in re.findall(r"[A-ZĐ][A-ZĐ]+", text):
            acronyms.add(tok)
            if "Đ" in tok:
                abbreviations[tok.replace("Đ", "D")] = tok
    # Administrative terms the two clean plans never use ("chi phí tuân thủ"), as general counts: in the domain
    # LM their many short phrases would dilute the plans' own wording ("đạt từ 85%").
    for phrase in glossary.domain_phrases():
        add(_lm_tokens(phrase), DOMAIN_WEIGHT)
    for path in sy.running_text_files():
        for sent in sy.read_tagged_sentences(path):
            marked = rn.mark_names(sent, kinds, lexicon, place_counts, given)
            add(_lm_tokens(marked), 1.0)
            _count_case(marked, caps, 1.0)
    for line in lexicon_lines:
        toks = _lm_tokens(line)
        if toks and UNK not in toks:
            for t in toks:
                uni[t] += 0.1 * LEXICON_WEIGHT  # inventory membership, barely any frequency
            for a, b in zip(toks, toks[1:], strict=False):
                bi[(a, b)] += LEXICON_WEIGHT
    context_total: dict[str, float] = defaultdict(float)
    context_types: dict[str, int] = defaultdict(int)
    followers: dict[str, int] = defaultdict(int)
    for (a, b), c in bi.items():
        context_total[a] += c
        context_types[a] += 1
        followers[b] += 1
    tri_total: dict[tuple[str, str], float] = defaultdict(float)
    tri_types: dict[tuple[str, str], int] = defaultdict(int)
    for (a, b, _c), c in tri.items():
        tri_total[(a, b)] += c
        tri_types[(a, b)] += 1
    total_uni = sum(uni.values())
    n_types = sum(followers.values())
    vocab = len(uni)
    p_base = {w: 0.6 * c / total_uni + 0.3 * followers.get(w, 0) / n_types + 0.1 / vocab for w, c in uni.items()}
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for w in uni:
        if w not in (NUM, UNK) and sy.is_syllable(w):
            by_skeleton[sy.skeleton(w)].append(w)
    delete_index: dict[str, list[str]] = defaultdict(list)
    for sk in by_skeleton:
        for d in _deletes(sk, 1 if len(sk) <= 3 else 2):
            delete_index[d].append(sk)
    plain_share = {}
    for sk, ws in by_skeleton.items():
        tot = sum(uni[w] for w in ws)
        plain_share[sk] = uni.get(sk, 0.0) / tot if tot else 0.0
    log.info("restore model: %d syllables, %d bigrams", len(by_skeleton), len(bi))
    return RestoreModel(dict(uni), dict(bi), dict(context_total), dict(context_types), p_base,
                        dict(by_skeleton), dict(delete_index), abbreviations, frozenset(acronyms), plain_share,
                        trigram=dict(tri), tri_total=dict(tri_total), tri_types=dict(tri_types),
                        names=rn.build_names(kinds, place_counts, given),
                        capitalised={w: (c, n) for w, (c, n) in caps.items()},
                        cap_rate=sum(c for c, _ in caps.values()) / max(1.0, sum(n for _, n in caps.values())),
                        domain=DomainLM.from_counts(dom_uni, dom_bi, dom_tri) if dom_uni else None)


def _cache_path() -> Path:
    """Cache file keyed by the model version and the training inputs (names and sizes)."""
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant"
    gazetteer = rn.gazetteer_file()
    inputs = [*sy.corpus_dir().glob("*.txt"), *sy.lexicon_files(), *sy.running_text_files(), glossary.DOMAIN_GLOSSARY,
              *([gazetteer] if gazetteer else [])]
    digest = hashlib.sha1("|".join(f"{p.name}:{p.stat().st_size}" for p in sorted(inputs)).encode())
    # The code that builds the model is part of its identity: an edited builder must not reuse an old pickle.
    here = Path(__file__).parent
    for module in (*sorted(here.glob("*.py")), here.parent / "text" / "syllables.py"):
        digest.update(module.read_bytes())
    return root / f"{MODEL_VERSION}-{digest.hexdigest()[:12]}.pkl"


def load_cached() -> RestoreModel | None:
    """The cached model for this MODEL_VERSION, or None."""
    try:
        with _cache_path().open("rb") as fh:
            model = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None
    if not isinstance(model, RestoreModel) or any(f.name not in vars(model) for f in fields(RestoreModel)):
        return None  # a pickle written by an older layout of this version: rebuild rather than crash
    return model


def save_cached(model: RestoreModel) -> None:
    """Write the model under ~/.cache/assistant (never into the package)."""
    path = _cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:  # a read-only home still works, just slower
        log.warning("cannot cache restore model: %s", exc)
