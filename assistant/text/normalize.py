"""Vietnamese text keys: NFC with one tone-mark convention, folded and OCR-tolerant keys, segmentation."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from assistant.text.fold import fold

# Bump whenever a key changes: the index manifest records it and refuses a mismatched index.
VERSION = 5

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_QUALITY = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn: part of the vowel, not the tone
_VOWELS = set("aeiouyăâêôơư")

# Legal symbols (61/2018/NĐ-CP, 12-NQ/TU, 35/KH-SYT), dates, percentages and decimals: pyvi splits them at
# every slash and hyphen, which would make "61/2018/NĐ-CP" match any text holding "61" and "2018".
_SYMBOL = r"\d+[a-zđ]?(?:/\d{4})?(?:\s?[/\[]\s?|-)[A-ZĐa-zđ]{1,6}(?:-[A-ZĐa-zđ0-9]{1,8}|/[A-ZĐa-zđ]{1,8})+"
_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_PERCENT = r"\d+(?:[.,]\d+)?\s?%"
_NUMBER = r"\d+(?:[.,]\d+)*"
SPECIAL_RE = re.compile(rf"(?<!\w)(?:{_SYMBOL}|{_DATE}|{_PERCENT}|{_NUMBER})(?![\w/])", re.UNICODE)
_WORD_RE = re.compile(r"[^\W_]+(?:[\'’][^\W_]+)?", re.UNICODE)

# OCR of Vietnamese renders diacritised vowels as digits and symbols of similar shape ("s6" số, "1ap" lập,
# "S¢" Sở, "v&i" với, "$6" số). The map is by glyph shape, not by word: it applies to any token that also holds
# letters, so real numbers stay numbers.
_LOOKALIKE = str.maketrans({
    "0": "o", "6": "o", "9": "o", "1": "l", "|": "l", "!": "l", "3": "e", "¢": "e", "&": "e", "€": "e",
    "4": "a", "@": "a", "5": "s", "$": "s", "7": "t",
})
# Vietnamese phonotactics: no syllable contains "ir", "ii", "ct", "w" or a "q" without "u"; where OCR produced them they stand
# for the horned ư ("chirc" chức, "ciia" của, "Tw" Tự, "ctia" của, "HQI" HỘI). Rules are on letter sequences only.
_PHONOTACTIC = [
    (re.compile(r"ir(?=[cmnptg]|$)"), "u"),
    (re.compile(r"ii"), "u"),
    (re.compile(r"(?<=[bcdghklmnpqrstvx])ti(?=a)"), "u"),
    (re.compile(r"(?<=[bcdghklmnpqrstvx])t(?=i[ae])"), "u"),
    (re.compile(r"q(?!u)"), "o"),
    (re.compile(r"w"), "u"),
    (re.compile(r"(?<=[aeiouy])r(?=[cmnptg])"), ""),
]


def nfc(text: str) -> str:
    """NFC with the tone mark on the canonical vowel (old style, as in "hòa", "thủy")."""
    text = unicodedata.normalize("NFC", text)
    return _WORD_RE.sub(lambda m: _retone(m.group(0)), text)


def _retone(word: str) -> str:
    """Move a syllable's tone mark to the vowel the old-style orthography puts it on."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1 or len(word) > 7:
        return word
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    lower = bare.lower()
    start = 2 if lower.startswith(("gi", "qu")) and len(lower) > 2 and lower[2] in _VOWELS else 0
    idx = [i for i in range(start, len(lower)) if lower[i] in _VOWELS]
    if not idx or idx != list(range(idx[0], idx[-1] + 1)):
        return word
    marked = [i for i in idx if lower[i] in "ăâêôơư"]
    has_final = idx[-1] < len(lower) - 1
    if marked:
        pos = marked[-1]  # ươ takes the tone on ơ
    elif len(idx) == 1:
        pos = idx[0]
    elif has_final or len(idx) == 3:
        pos = idx[1]
    else:
        pos = idx[0]
    toned = bare[:pos] + unicodedata.normalize("NFC", bare[pos] + tones[0]) + bare[pos + 1 :]
    return toned


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese diacritics (so pyvi can segment it)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    marked = sum(1 for c in letters if c in "đĐ" or unicodedata.normalize("NFD", c) != c)
    return marked / len(letters) > 0.08


@functools.lru_cache(maxsize=200_000)
def ocr_key(token: str) -> str:
    """OCR-tolerant key of one word: folded, look-alike glyphs mapped to letters, impossible sequences repaired."""
    key = fold(token)
    if any(c.isalpha() for c in key) and not key.isdigit():
        key = key.translate(_LOOKALIKE)
    for pattern, repl in _PHONOTACTIC:
        key = pattern.sub(repl, key)
    return key


def canonical_special(raw: str) -> str:
    """One token for a symbol, date or percentage, in folded form ("61/2018/nd-cp", "86%")."""
    token = fold(re.sub(r"\s+", "", raw)).replace("[", "/")
    if "/" in token or "-" in token:
        # OCR reads Đ in symbols as B, b or P ("NB-CP", "Qb-TTg", "QP-UBND").
        token = re.sub(r"(?<=[nq])[bp](?=[-/]|$)", "d", token)
    return token


@functools.lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    """Folded multi-syllable words from pyvi's own dictionary, for segmenting text without diacritics."""
    import pyvi

    path = Path(pyvi.__file__).parent / "models" / "words.txt"
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split()
        if 2 <= len(parts) <= 3:
            words.add("_".join(fold(p) for p in parts))
    return frozenset(words)


def segment_folded(syllables: list[str]) -> list[str]:
    """Greedy longest match of folded syllables against pyvi's dictionary ("cai cach" -> "cai_cach")."""
    lexicon = _lexicon()
    out, i = [], 0
    while i < len(syllables):
        for n in (3, 2):
            cand = "_".join(syllables[i : i + n])
            if i + n <= len(syllables) and cand in lexicon:
                out.append(cand)
                i += n
                break
        else:
            out.append(syllables[i])
            i += 1
    return out


@functools.lru_cache(maxsize=50_000)
def pyvi_tokenize(text: str) -> str:
    """pyvi's CRF word segmentation ("cải_cách hành_chính"), memoised: the corpus's sentences are scored again
    and again by answers, and each segmentation costs about a millisecond."""
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize(text)


def segment(text: str) -> list[str]:
    """Word segmentation: pyvi for text with diacritics, the folded dictionary match otherwise."""
    specials: list[str] = []

    def protect(m: re.Match[str]) -> str:
        specials.append(m.group(0))
        return f" SPECIALTOKEN{len(specials) - 1} "

    protected = SPECIAL_RE.sub(protect, nfc(text))
    if has_diacritics(protected):
        words = pyvi_tokenize(protected).split()
    else:
        words = segment_folded(_WORD_RE.findall(protected))
    out = []
    for w in words:
        m = re.fullmatch(r"SPECIALTOKEN(\d+)", w)
        if m:
            out.append(specials[int(m.group(1))])
        elif any(c.isalnum() for c in w):
            out.append(w)
    return out


# Plans write the same terms spelled out and as acronyms ("thủ tục hành chính" / "TTHC", 74 and 23 times in the
# corpus), and questions use either: each form also yields the other's tokens.
ACRONYMS = {
    "cchc": "cai cach hanh chinh",
    "tthc": "thu tuc hanh chinh",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "dvc": "dich vu cong",
    "bcci": "buu chinh cong ich",
    "cntt": "cong nghe thong tin",
    "qppl": "quy pham phap luat",
    "cbccvc": "can bo cong chuc vien chuc",
    "ttyt": "trung tam y te",
    "syt": "so y te",
}
_EXPANSIONS: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _acronym, _words in ACRONYMS.items():
    _EXPANSIONS.setdefault(_words.split()[0], []).append((tuple(_words.split()), _acronym))


def _acronym_tokens(syllables: list[str]) -> list[str]:
    """The expansion of each acronym, and the acronym of each spelled-out term."""
    out: list[str] = []
    for i, s in enumerate(syllables):
        if s in ACRONYMS:
            out.extend(ACRONYMS[s].split())
        for words, acronym in _EXPANSIONS.get(s, ()):
            if tuple(syllables[i : i + len(words)]) == words:
                out.append(acronym)
    return out


def search_tokens(text: str) -> list[str]:
    """BM25 tokens: special tokens, OCR-tolerant folded syllables, and folded compound words."""
    tokens: list[str] = []
    pieces: list[str] = []
    last = 0
    for m in SPECIAL_RE.finditer(text):
        pieces.append(text[last : m.start()])
        tok = canonical_special(m.group(0))
        tokens.append(tok)
        head = re.match(r"(\d+/\d{4})/", tok)  # "61/2018/nd-cp" is also found by "61/2018"
        if head:
            tokens.append(head.group(1))
        last = m.end()
    pieces.append(text[last:])
    rest = " ".join(pieces)
    syllables = [ocr_key(w) for w in _WORD_RE.findall(rest)]
    syllables = [s for s in syllables if s]
    tokens.extend(syllables)
    tokens.extend(_acronym_tokens(syllables))
    compounds = {w for w in segment_folded(syllables) if "_" in w}
    if has_diacritics(rest):
        compounds |= {"_".join(ocr_key(p) for p in w.split("_")) for w in pyvi_tokenize(rest).split() if "_" in w}
    tokens.extend(sorted(compounds))
    return tokens


def search_key(text: str) -> str:
    """Space-joined `search_tokens`, as stored with each chunk."""
    return " ".join(search_tokens(text))
