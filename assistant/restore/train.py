"""Training the restoration model: the LM and inventory from shipped text plus the caller's clean documents,
and the OCR channel re-fitted by hard EM on one damaged document."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from assistant.restore import names as rn
from assistant.restore.decode import apply_case, decode_lines, paragraphs, split_token
from assistant.restore.model import (
    BOS,
    DOMAIN_WEIGHT,
    LEXICON_WEIGHT,
    NUM,
    UNK,
    DomainLM,
    RestoreModel,
    _deletes,
    _lm_tokens,
    mid_sentence_case,
)
from assistant.text import glossary
from assistant.text import syllables as sy

log = logging.getLogger(__name__)

EM_ITERATIONS = 2
# vnTokenizer's news counts at half the weight of the running-text sample. Grid over (weight, DOMAIN_LAMBDA) on the
# development OCR lines (three OCR plans) and the stripped benchmark (eleven documents, leave-one-out), README
# "OCR restoration": weight 0.3 / 0.5 / 1.0 gave 0.9649 / 0.9670 / 0.9670 dev and 0.9737 / 0.9748 / 0.9732 stripped.
WORD_NGRAM_WEIGHT = 0.5
_SENTENCE_STOPS = frozenset(".!?")
# Unigram rescaling toward the plans: beta 0.3 / 0.4 / 0.5 / 1.0 gave 0.9697 / 0.9681 / 0.9676 / 0.9654 on the dev
# OCR lines and 0.9758 / 0.9746 / 0.9732 / 0.9662 stripped (before the lexicon's tone fix; 0.4 after it: 0.9692 /
# 0.9746). 0.3, and 0.5 with smoothing 3000, still read four "đạt từ X%" of the bundled OCR plans as "đất từ"; 0.4
# reads none, so it is the weakest rescaling that keeps the plans' wording.
MDI_BETA = 0.4
MDI_SMOOTHING = 1000.0  # pseudo-words of the general distribution in the in-domain estimate
# Share of the in-domain unigram in the LM's back-off: 0.3 / 0.4 / 0.5 / 0.7 gave 0.9687 / 0.9676 / 0.9697 / 0.9676 on
# the development OCR lines; stripped benchmark 0.9751 at 0.5, 0.9747 at 0.7 (flat from 0.4 to 0.7 before).
DOMAIN_PRIOR = 0.5
TYPO_MIN_COUNT = 5.0  # general-text count a dictionary word needs to stand for a typo of its letters


def _count_case(line: str, caps: dict[str, list[float]], weight: float) -> None:
    raws = line.split()
    for raw, title in zip(raws, mid_sentence_case(raws), strict=True):
        low = raw.strip(".,;:!?()[]{}\"'“”‘’…*-–—/%").lower()
        if title is not None and sy.is_syllable(low):
            row = caps.setdefault(sy.canonical_tone(low), [0.0, 0.0])
            row[0] += weight * title
            row[1] += weight


def build_model(clean_texts: Sequence[str] = (), key: str = "") -> RestoreModel:
    """Train the LM and the syllable inventory from clean text shipped offline plus the caller's clean
    in-domain documents (already decoded by the ingest layer); nothing here reads the corpus folder."""
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
    # dictionary entries in the one tone convention the LM uses: Viet74K writes "cộng hoà", the gazetteer's
    # "Cộng Hòa" must still be found there to stay a common word outside a place-name context
    lexicon = {" ".join(sy.canonical_tone(s) for s in line.split()) for line in lexicon_lines
               if line.strip() and line == line.lower()}
    kinds = rn.load_gazetteer()
    place_counts: Counter[tuple[str, ...]] = Counter()
    caps: dict[str, list[float]] = {}
    given: Counter[str] = Counter()
    for line in lexicon_lines:  # dictionary entries such as "Trần Cao Vân" teach the name-syllable unigram
        if line[:1].isupper():
            rn.mark_names(line, kinds, lexicon, Counter(), given)
    for text_line, weight in rn.unit_lines(kinds):
        add(_lm_tokens(text_line), weight)
    domain_lines = []
    for text in clean_texts:
        for line in text.splitlines():
            marked = rn.mark_names(line, kinds, lexicon, place_counts, given)
            domain_lines.append(marked)
            _count_case(marked, caps, DOMAIN_WEIGHT)
        # whole capitalised words only ("CHUYỂN" gives no "CHUY"), never a plain syllable ("TRONG" is a word)
        for tok in re.findall(r"(?<!\w)[A-ZĐ][A-ZĐ&]*[A-ZĐ](?!\w)", text):
            if sy.is_syllable(tok.lower()):
                continue
            acronyms.add(tok)
            if "Đ" in tok:
                abbreviations[tok.replace("Đ", "D")] = tok
    # Administrative terms the clean plans may never use ("chi phí tuân thủ"), as general counts: in the domain
    # LM their many short phrases would dilute the plans' own wording ("đạt từ 85%").
    for phrase in glossary.domain_phrases():
        add(_lm_tokens(phrase), DOMAIN_WEIGHT)
    for path in sy.running_text_files():
        for sent in sy.read_tagged_sentences(path):
            marked = rn.mark_names(sent, kinds, lexicon, place_counts, given)
            add(_lm_tokens(marked), 1.0)
            _count_case(marked, caps, 1.0)
    folder = sy.word_ngram_dir()
    if folder:
        _add_word_ngrams(folder, uni, bi, tri, kinds, lexicon, given)
    # the plans' own lines last, once the general counts can tell their typos ("Phân đầu") from their wording
    respell = typo_respellings(lexicon, bi)
    for line in domain_lines:
        add(_lm_tokens(respell_typos(line, respell, lexicon, bi)), DOMAIN_WEIGHT, domain=True)
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
    dom_total = sum(dom_uni.values())
    if dom_total:  # the plans' own word frequencies: "đạt" outnumbers "đất" there, not in news text
        p_base = {w: (1.0 - DOMAIN_PRIOR) * p + DOMAIN_PRIOR * dom_uni.get(w, 0) / dom_total for w, p in p_base.items()}
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
                        domain=DomainLM.from_counts(dom_uni, dom_bi, dom_tri) if dom_uni else None, key=key,
                        adapt=mdi_scales(uni, dom_uni))


def typo_respellings(lexicon: set[str], general_bi: Counter[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """Two-syllable dictionary words by their letter skeletons, the commonest in general text (at least
    TYPO_MIN_COUNT): the spelling a typo with the same letters but other marks most likely meant."""
    best: dict[tuple[str, str], tuple[float, tuple[str, str]]] = {}
    for entry in lexicon:
        pair = tuple(entry.split())
        if len(pair) != 2 or not all(sy.is_syllable(s) for s in pair):
            continue
        count = general_bi.get(pair, 0.0)
        key = (sy.skeleton(pair[0]), sy.skeleton(pair[1]))
        if count >= TYPO_MIN_COUNT and count > best.get(key, (0.0, pair))[0]:
            best[key] = (count, pair)
    return {key: pair for key, (_c, pair) in best.items()}


def respell_typos(line: str, respell: dict[tuple[str, str], tuple[str, str]], lexicon: set[str],
                  general_bi: Counter[tuple[str, str]]) -> str:
    """A clean document's line with mark typos of common two-syllable words put right: two adjacent syllables
    that neither the dictionary nor the general text pairs ("Phân đầu") and whose letters spell a common dictionary
    word ("Phấn đấu"). One misspelling in the plans would otherwise outvote the news text wherever OCR drops marks."""
    raws = line.split()
    cores = [sy.canonical_tone(split_token(r)[1].lower()) for r in raws]
    for i in range(len(raws) - 1):
        pair = (cores[i], cores[i + 1])
        if split_token(raws[i])[2] or split_token(raws[i + 1])[0] or not all(sy.is_syllable(c) for c in pair):
            continue  # punctuation between them, or not two syllables
        fix = respell.get((sy.skeleton(pair[0]), sy.skeleton(pair[1])))
        # a pair across two words is no typo: "thúc đẩy | chuyển đổi" holds "đẩy chuyển"
        inside_word = (i > 0 and f"{cores[i - 1]} {pair[0]}" in lexicon) or (
            i + 2 < len(cores) and f"{pair[1]} {cores[i + 2]}" in lexicon)
        if fix and fix != pair and not inside_word and " ".join(pair) not in lexicon and not general_bi.get(pair):
            log.info("typo in clean text: %s -> %s", " ".join(pair), " ".join(fix))
            for k in (0, 1):
                lead, core, trail = split_token(raws[i + k])
                raws[i + k] = lead + apply_case(core, fix[k]) + trail
            cores[i], cores[i + 1] = fix
    return " ".join(raws)


def mdi_scales(uni: Counter[str], dom_uni: Counter[str], beta: float = MDI_BETA) -> dict[str, float]:
    """log (P_domain(w) / P_general(w))^beta per word: unigram-rescaling adaptation of the general LM to the plans
    (Kneser, Peters & Klakow 1997; Federico 1999, MDI adaptation), so news bigrams ("đất từ") do not outvote the
    plans' own words ("đạt từ 85%"). The in-domain estimate is smoothed toward the general one; unnormalised,
    as the decoder only compares words."""
    gen_total, dom_total = sum(uni.values()), sum(dom_uni.values())
    if not dom_total or not beta:
        return {}
    out = {}
    for w, c in uni.items():
        pg = c / gen_total
        pd = (dom_uni.get(w, 0.0) + MDI_SMOOTHING * pg) / (dom_total + MDI_SMOOTHING)
        out[w] = beta * math.log(pd / pg)
    return out


def _add_word_ngrams(folder: Path, uni: Counter[str], bi: Counter[tuple[str, str]],
                     tri: Counter[tuple[str, str, str]], kinds: dict[tuple[str, ...], str], lexicon: set[str],
                     given: Counter[str]) -> None:
    """Syllable n-gram counts from word unigram and bigram counts: the n-grams inside a word from its own count,
    those across a word boundary from the pair's (a trigram spanning three words is not recoverable)."""
    memo: dict[str, list[str]] = {}

    def tokens(word: str) -> list[str]:
        if word not in memo:
            memo[word] = _lm_tokens(rn.mark_names(word, kinds, lexicon, Counter(), given))
        return memo[word]

    for (word,), count in sy.read_word_counts(folder / "unigram.xml"):
        toks, w = tokens(word), WORD_NGRAM_WEIGHT * count
        for t in toks:
            uni[t] += w
        for a, b in zip(toks, toks[1:], strict=False):
            bi[(a, b)] += w
        for a, b, c in zip(toks, toks[1:], toks[2:], strict=False):
            tri[(a, b, c)] += w
    for (left, right), count in sy.read_word_counts(folder / "bigram.xml"):
        ta, tb, w = tokens(left), tokens(right), WORD_NGRAM_WEIGHT * count
        if left in _SENTENCE_STOPS:  # the word after a full stop starts a sentence
            ta = [BOS, BOS]
        if not ta or not tb:
            continue
        bi[(ta[-1], tb[0])] += w
        if len(ta) > 1:
            tri[(ta[-2], ta[-1], tb[0])] += w
        if len(tb) > 1:
            tri[(ta[-1], tb[0], tb[1])] += w


def train_channel(model: RestoreModel, text: str, iterations: int = EM_ITERATIONS) -> None:
    """Hard EM on one document: decode it, then re-fit the OCR channel on what was decoded. Fitting on the
    document alone keeps its reading independent of every other document of the corpus."""
    for it in range(iterations):
        pairs = []
        for para in paragraphs(text.split("\n")):
            pieces = [p for line in para for p in line.split()]
            outs = decode_lines(para, model)
            for raw, out in zip(pieces, [p for line in outs for p in line.split()], strict=True):
                core_in, core_out = split_token(raw)[1].lower(), split_token(out)[1].lower()
                if core_out in model.p_base and sy.is_syllable(core_out):
                    pairs.append((core_out, core_in))
        model.learn_channel(pairs)
        log.info("channel EM iteration %d: %d aligned tokens", it + 1, len(pairs))
