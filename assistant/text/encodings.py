"""Detect the encoding of a text file's bytes and decode it to NFC Vietnamese text."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import IngestError
from assistant.text.charmaps import (
    TCVN3_LOWERCASE,
    VN1_CONTROL_SLOTS,
    decode_cp1258,
    decode_tcvn3,
    decode_vni,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
)

__all__ = ["decode_bytes", "encode_cp1258", "encode_tcvn3", "encode_vni", "is_vietnamese_syllable",
           "vietnamese_score"]

log = logging.getLogger(__name__)

_RESAVE_HINT = "open it in a word processor and save it as UTF-8 text"
# Correct readings of clean documents score above 0.9 (share of accented words that are Vietnamese syllables)
# and wrong readings below 0.4, so MIN_SCORE accepts outright. OCR-garbled documents score about 0.3 even when
# read right; their wrong readings score near 0, so a low score is accepted when it is at least twice that of
# every other encoding. French or German in Latin-1 scores near 0 everywhere and is refused.
MIN_SCORE = 0.6
_DEGRADED_SCORE = 0.2
_LOOKS_VIETNAMESE = 0.1
_MARGIN = 0.25  # a file mixing two encodings reads half right in both: refuse it
_TIE = 0.02  # readings this close are equally Vietnamese

# Whitespace, DOS end-of-file and form feeds are text; any other C0 control byte beyond this share is binary.
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1a")
_MAX_CONTROL_SHARE = 0.001

# --- Vietnamese syllable check ------------------------------------------------------------------------------
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_STOP_TONES = frozenset("\u0301\u0323")  # a syllable ending in p, t, c, ch takes only sắc or nặng
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
# Nucleus -> allowed codas ("-" = open syllable); written from Vietnamese rhyme tables, slightly permissive.
_NUCLEI = {
    "a": "- c ch i m n ng nh o p t u y", "ă": "c m n ng p t", "â": "c m n ng p t u y",
    "e": "- c m n ng o p t", "ê": "- ch m n nh p t u", "i": "- a ch m n nh p t u",
    "iê": "c m n ng p t u", "yê": "m n ng p t u", "y": "- ch n nh p t u",
    "o": "- c i m n ng p t", "oo": "c ng", "ô": "- c i m n ng p t", "ơ": "- i m n p t u",
    "u": "- a c i m n ng p t", "uô": "c i m n ng p t", "ư": "- a c i m n ng t u",
    "ươ": "c i m n ng p t u",
}
_MEDIAL = {"o": ("a", "ă", "e"), "u": ("â", "ê", "y", "yê", "ơ", "a", "ă")}  # oa, oe, uâ, uy, uyê...


def _build_rhymes() -> frozenset[str]:
    """Every toneless rhyme (medial glide + nucleus + coda) the table allows."""
    plain = {n + ("" if c == "-" else c) for n, codas in _NUCLEI.items() for c in codas.split()}
    plain |= {"uya"}
    glided = {g + r for g, nuclei in _MEDIAL.items() for r in plain if r.startswith(nuclei) and r[:2] != "ia"}
    return frozenset(plain | glided)


_RHYMES = _build_rhymes()
_STOP_CODAS = ("p", "t", "c", "ch")


def _spelled_right(onset: str, rhyme: str) -> bool:
    """Quốc ngữ writes /k/, /ŋ/, /ɣ/ as k, ngh, gh before i, e, ê (y for k) and as c, ng, g elsewhere."""
    front = rhyme[:1] in ("i", "e", "ê", "y")
    if onset in ("k", "gh", "ngh"):
        return front and (onset == "k" or rhyme[:1] != "y")
    return not (onset in ("c", "ng") and front)


@functools.lru_cache(maxsize=1 << 16)
def is_vietnamese_syllable(word: str) -> bool:
    """True when `word` is spelled like one Vietnamese syllable (onset, rhyme, at most one compatible tone)."""
    nfd = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in nfd if ch in _TONE_MARKS]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in nfd if ch not in _TONE_MARKS))
    for onset in _ONSETS:
        if bare.startswith(onset):
            rhyme = bare[len(onset):]
            if rhyme in _RHYMES and _spelled_right(onset, rhyme) and not (
                    tones and rhyme.endswith(_STOP_CODAS) and tones[0] not in _STOP_TONES):
                return True
    return False


# Split on whitespace, ASCII punctuation and digits only: a wrong legacy decoding turns letters into symbols like
# "¸" or "«", and those must stay inside the word to count against it. Windows quotes and dashes are trimmed
# from word edges; inside a word ("HO„CH") they are a misread TCVN3 VN1 capital (Ạ) and count against it.
_SPLIT_RE = re.compile(r"[\s!-@\[-`{-~]+")
_EDGE_PUNCT = "\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2039\u203a"


def vietnamese_score(text: str) -> tuple[float, int]:
    """(share of accented multi-letter words that are Vietnamese syllables, number of such words)."""
    scored = valid = 0
    for raw in _SPLIT_RE.split(text):
        piece = raw.strip(_EDGE_PUNCT)
        if len(piece) < 2 or piece.isascii():
            continue  # single letters and plain ASCII read the same in every candidate encoding
        if piece.isalpha() and not any(ch in "aeiouy" for ch in unicodedata.normalize("NFD", piece.lower())):
            continue  # abbreviations such as "NĐ", "QĐ" are not syllables in any encoding
        scored += 1
        valid += is_vietnamese_syllable(piece)
    return (valid / scored if scored else 0.0), scored


# --- TCVN3 capitals -------------------------------------------------------------------------------------------
_WORD_RE = re.compile(r"[^\W\d_]+")


def _restore_vntimeh_capitals(text: str) -> str:
    """Upper-case TCVN3 words typed in a capitals-only font (.VnTimeH): "KÕ HO¹CH" decodes as "Kế HOạCH"."""
    out = []
    for line in text.splitlines(keepends=True):
        words = _WORD_RE.findall(line)
        # Letters outside the lowercase TCVN3 codes are the only reliable evidence of case.
        anchors = [[ch for ch in w if ch not in TCVN3_LOWERCASE and ch.isalpha()] for w in words]
        mixed = [
            sum(ch.isupper() for ch in a) >= 2 and not any(ch.islower() for ch in a)
            and any(ch in TCVN3_LOWERCASE for ch in w)
            for w, a in zip(words, anchors, strict=True)
        ]
        if not any(mixed):
            out.append(line)
        elif any(ch.islower() for a in anchors for ch in a):
            # A mixed-case line: only words with two or more capital anchors are surely all-caps.
            fixed = iter(w.upper() if m else w for w, m in zip(words, mixed, strict=True))
            out.append(_WORD_RE.sub(lambda _m, it=fixed: next(it), line))
        else:
            out.append(line.upper())  # an all-caps heading: "CéNG HßA" -> "CỘNG HÒA", "X·" -> "XÃ"
    return "".join(out)


# --- detection ------------------------------------------------------------------------------------------------
_Decoder = Callable[[bytes], str]


@dataclass(frozen=True)
class _Candidate:
    name: str
    label: str  # tells the two TCVN3 readings apart in error messages
    decode: _Decoder
    score: float
    scored: int


def _decode_tcvn3_vn3(data: bytes) -> str:
    """TCVN3 with Windows punctuation in 0x80-0x9F, capitals restored from the VnTimeH convention."""
    return _restore_vntimeh_capitals(decode_tcvn3(data))


def _decode_tcvn3_vn1(data: bytes) -> str:
    """TCVN3 reading 0x80-0x9F as the VN1 toned capitals."""
    return _restore_vntimeh_capitals(decode_tcvn3(data, vn1=True))


# Order of preference when two readings score the same.
_DECODERS: tuple[tuple[str, str, _Decoder], ...] = (
    ("cp1258", "cp1258", decode_cp1258), ("tcvn3", "tcvn3", _decode_tcvn3_vn3),
    ("tcvn3", "tcvn3-vn1", _decode_tcvn3_vn1), ("vni", "vni", decode_vni),
)
# VN3 vs VN1 needs no margin: Windows quotes and ellipses read as VN1 capitals break the words they touch
# ("ỎKế"), dashes and bullets become one-letter words that are not scored, so VN1 wins only on real capitals.
_SAMPLE_BYTES = 1 << 17  # 128 KB of a document is ample evidence of its encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs fill one byte parity, as ASCII-range characters do in UTF-16."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    even, odd = data[0::2].count(0) / half, data[1::2].count(0) / half
    if odd >= 0.25 and even <= 0.02:
        return "utf-16-le"
    if even >= 0.25 and odd <= 0.02:
        return "utf-16-be"
    return None


def _check_text(text: str, encoding: str) -> str:
    """Reject decoded text full of control characters (a binary file that happened to decode)."""
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0b\x0c\x1a")
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise IngestError(f"binary file: control characters in the {encoding} decoding are not text",
                          hint="only plain text files can be ingested")
    return unicodedata.normalize("NFC", text)


def _decode_utf8_lenient(data: bytes) -> str | None:
    """UTF-8 text with a rare corrupt byte (a truncated or spliced file): decoded with U+FFFD, else None."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    if bad and good >= 50 * bad:
        log.warning("UTF-8 file with %d invalid byte sequence(s); they were replaced with U+FFFD", bad)
        return text
    return None


def _legacy_candidates(data: bytes) -> list[_Candidate]:
    """Every 8-bit reading of (a sample of) `data` with its Vietnamese score, in order of preference."""
    sample = data
    if len(data) > _SAMPLE_BYTES:
        cut = data.rfind(b"\n", 0, _SAMPLE_BYTES)
        sample = data[: cut if cut > 0 else _SAMPLE_BYTES]
    out: list[_Candidate] = []
    for name, label, decode in _DECODERS:
        try:
            text = decode(sample)
        except UnicodeDecodeError:
            continue  # bytes that are holes in cp1258
        score, scored = vietnamese_score(text)
        out.append(_Candidate(name, label, decode, score, scored))
    return out


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file's bytes to NFC text; returns (text, encoding name) or raises IngestError."""
    if not data:
        raise IngestError("empty file: it holds no bytes", hint="check that the file was copied completely")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data, "utf-8-sig", "utf-8-sig"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", "utf-16"), "utf-16"
    bomless = _utf16_without_bom(data)
    if bomless:
        return _strict(data, bomless, "utf-16"), "utf-16"
    controls = sum(1 for b in data if (b < 0x20 or b == 0x7F) and b not in _TEXT_CONTROLS
                   and b not in VN1_CONTROL_SLOTS)
    if 0 in data or controls > _MAX_CONTROL_SHARE * len(data):
        raise IngestError("binary file: it contains NUL bytes or control characters that no text encoding uses",
                          hint="only plain text files can be ingested")
    try:
        return _check_text(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        lenient = _decode_utf8_lenient(data)
        if lenient is not None:
            return _check_text(lenient, "utf-8"), "utf-8"
    return _choose_legacy(data)


def _strict(data: bytes, codec: str, name: str) -> str:
    """Decode with a Unicode codec its byte-order mark announced, or raise IngestError."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise IngestError(f"the file starts with a {name} byte-order mark but is not valid {name}: {exc.reason} "
                          f"at byte {exc.start}", hint=_RESAVE_HINT) from exc
    if not text.strip("\ufeff"):
        raise IngestError("empty file: it holds only a byte-order mark",
                          hint="check that the file was copied completely")
    return _check_text(text.removeprefix("\ufeff"), name)


def _choose_legacy(data: bytes) -> tuple[str, str]:
    """Pick the legacy 8-bit encoding whose decoding reads most like Vietnamese."""
    candidates = _legacy_candidates(data)
    if not candidates:
        raise IngestError("not valid UTF-8 and not decodable as Windows-1258, TCVN3 or VNI", hint=_RESAVE_HINT)
    best = max(candidates, key=lambda c: c.score)  # the first of equal scores, in preference order
    runner = max((c.score for c in candidates if c.name != best.name), default=0.0)
    scores = [c.score for c in candidates]
    if best.scored == 0 and candidates[0].name == "cp1258":
        # No accented letters at all, only Windows punctuation (quotes, dashes): Windows-1258 reads it as such.
        best = candidates[0]
    elif max(scores) - min(scores) <= _TIE and best.score >= _DEGRADED_SCORE:
        # The accented letters read alike in every encoding (few and OCR-damaged): take the standard code page.
        best = candidates[0]
    elif best.score >= MIN_SCORE and best.score - runner >= _MARGIN:
        pass
    elif best.score >= _DEGRADED_SCORE and best.score >= 2 * runner:
        log.warning("few words of this %s text are well-formed Vietnamese (%.0f%%): OCR output?",
                    best.name, 100 * best.score)
    else:
        summary = ", ".join(f"{c.label} {c.score:.0%}" for c in candidates)
        if best.score >= _LOOKS_VIETNAMESE:
            raise IngestError("looks like a legacy 8-bit Vietnamese encoding but could not be identified as "
                              f"TCVN3 or VNI (share of Vietnamese words: {summary})", hint=_RESAVE_HINT)
        raise IngestError("not valid UTF-8, and no legacy Vietnamese encoding (Windows-1258, TCVN3, VNI) decodes "
                          f"it to Vietnamese words (share of Vietnamese words: {summary})", hint=_RESAVE_HINT)
    log.info("decoded as %s (%.0f%% of %d accented words are Vietnamese syllables)",
             best.name, 100 * best.score, best.scored)
    try:
        text = best.decode(data)
    except UnicodeDecodeError as exc:
        raise IngestError(f"byte 0x{data[exc.start]:02X} at offset {exc.start} is not a {best.name} character",
                          hint=_RESAVE_HINT) from exc
    return _check_text(text, best.name), best.name
