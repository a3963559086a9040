"""Byte tables of the legacy Vietnamese 8-bit encodings (TCVN3/ABC, VNI-Windows, Windows-1258)."""

from __future__ import annotations

import re
import unicodedata

# Vowel rows in tone order: level, huyền (grave), hỏi (hook), ngã (tilde), sắc (acute), nặng (dot below).
_TONE_ORDER = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_VOWELS = "aăâeêioôơuưy"


def _row(base: str) -> list[str]:
    """The six toned forms of one vowel, NFC."""
    return [unicodedata.normalize("NFC", base + tone) for tone in _TONE_ORDER]


# --- TCVN3 (ABC, TCVN 5712:1993 "VN3") ---------------------------------------------------------------------
# VN3 codes every lowercase letter but only the seven base capitals; toned capitals were typed with the same
# lowercase codes in a capitals-only font (.VnTimeH), so a plain-text file cannot tell "kÕ" from "KẾ".
_TCVN3_LOWER = {
    "a": (None, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (None, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (None, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (None, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (None, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (None, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_EXTRA = {"đ": 0xAE, "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}
# TCVN 5712 "VN1" adds the 60 toned capitals in slots VN3 leaves free: C0 controls, 0x80-0x9F and a few
# gaps of 0xA0-0xFF (table as in libiconv/XFree86 "TCVN"); 0xB0-0xB4 are combining tone marks.
_VN1_CAPITALS = {
    0x01: "Ú", 0x02: "Ụ", 0x04: "Ừ", 0x05: "Ử", 0x06: "Ữ", 0x11: "Ứ", 0x12: "Ự", 0x13: "Ỳ", 0x14: "Ỷ",
    0x15: "Ỹ", 0x16: "Ý", 0x17: "Ỵ",
    **dict(zip(range(0x80, 0xA0), "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ", strict=True)),
    0xAF: "Ằ", 0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ", 0xC5: "Ề",
    0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ", 0xFF: "Ố",
}
_VN1_MARKS = {0xB0: "\u0300", 0xB1: "\u0309", 0xB2: "\u0303", 0xB3: "\u0301", 0xB4: "\u0323"}
VN1_CONTROL_SLOTS = frozenset(b for b in _VN1_CAPITALS if b < 0x20)

_TCVN3_ENCODE: dict[str, int] = dict(_TCVN3_EXTRA)
for _base, _codes in _TCVN3_LOWER.items():
    for _char, _code in zip(_row(_base), _codes, strict=True):
        if _code is not None:
            _TCVN3_ENCODE[_char] = _code
_VN1_ENCODE = {char: code for code, char in _VN1_CAPITALS.items()}
TCVN3_LOWERCASE = frozenset(ch for ch in _TCVN3_ENCODE if ch.islower() and not ch.isascii())


def _cp1252_punct() -> dict[int, str]:
    """cp1252's 0x80-0x9F punctuation: ANSI files typed in a legacy font still hold Windows quotes and dashes."""
    out = {}
    for code in range(0x80, 0xA0):
        try:
            out[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            out[code] = chr(code)
    return out


_CP1252_PUNCT = _cp1252_punct()


def _tcvn3_table(vn1: bool) -> str:
    """A 256-entry decoding table; `vn1` reads 0x80-0x9F as VN1 capitals instead of Windows punctuation."""
    table = [chr(b) for b in range(256)]
    for code, char in _CP1252_PUNCT.items():
        table[code] = char
    for char, code in _TCVN3_ENCODE.items():
        table[code] = char
    for code, char in _VN1_CAPITALS.items():
        # 0x81, 0x8D, 0x8F, 0x90, 0x9D are holes in cp1252, so there they can only be VN1 capitals.
        if vn1 or not 0x80 <= code < 0xA0 or _CP1252_PUNCT[code] == chr(code):
            table[code] = char
    for code, mark in _VN1_MARKS.items():
        table[code] = mark
    return "".join(table)


_TCVN3_TABLES = {False: _tcvn3_table(False), True: _tcvn3_table(True)}


def decode_tcvn3(data: bytes, *, vn1: bool = False) -> str:
    """Decode TCVN3 bytes to NFC text (case of VnTimeH capitals is left as coded)."""
    table = _TCVN3_TABLES[vn1]
    return unicodedata.normalize("NFC", "".join(table[b] for b in data))


def encode_tcvn3(text: str, *, vn1_capitals: bool = False) -> bytes:
    """Encode text as TCVN3 (ABC); toned capitals become lowercase codes unless `vn1_capitals`."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ord(ch))
        elif ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ch in _VN1_ENCODE and vn1_capitals:
            out.append(_VN1_ENCODE[ch])
        elif ch.lower() in _TCVN3_ENCODE:
            # The VnTimeH convention: a capital with a tone mark is stored as its lowercase code.
            out.append(_TCVN3_ENCODE[ch.lower()])
        elif ch == "\u00a0":
            out.append(0xA0)
        else:
            code = _windows_punct_code(ch) if not vn1_capitals else None
            if code is None:
                raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) has no TCVN3 code")
            out.append(code)
    return bytes(out)


# --- VNI-Windows ------------------------------------------------------------------------------------------
# VNI writes a vowel as its base letter followed by a mark byte (glyphs of the mark font, named here by
# their cp1252 look): lowercase marks for lowercase letters, uppercase marks for capitals. ơ, ư, đ and the
# narrow toned i are single bytes.
_VNI_TONES_LOWER = ("", "ø", "û", "õ", "ù", "ï")
_VNI_MODIFIED_LOWER = {"ă": ("a", "ê", ("è", "ú", "ü", "é", "ë")), "â": ("a", "â", ("à", "å", "ã", "á", "ä")),
                       "ê": ("e", "â", ("à", "å", "ã", "á", "ä")), "ô": ("o", "â", ("à", "å", "ã", "á", "ä"))}


def _vni_pairs() -> dict[str, str]:
    """Unicode letter -> VNI byte string (as latin-1 characters), both cases."""
    lower: dict[str, str] = {}
    for base in "aeouy":
        for char, mark in zip(_row(base), _VNI_TONES_LOWER, strict=True):
            lower[char] = base + mark
    for char, mark in zip(_row("i"), ("", "ì", "æ", "ó", "í", "ò"), strict=True):
        lower[char] = char if not mark else mark
    lower["i"] = "i"
    for single, base_byte in (("ơ", "ô"), ("ư", "ö")):
        for char, mark in zip(_row(single), _VNI_TONES_LOWER, strict=True):
            lower[char] = base_byte + mark
    for vowel, (base, quality, tones) in _VNI_MODIFIED_LOWER.items():
        lower[vowel] = base + quality
        for char, mark in zip(_row(vowel)[1:], tones, strict=True):
            lower[char] = base + mark
    lower["ỵ"] = "î"  # the dot below would collide with y's descender, so ỵ got its own code
    lower["đ"] = "ñ"
    pairs = {k: v for k, v in lower.items() if not (k.isascii() and k == v)}
    for char, code in list(pairs.items()):
        pairs[char.upper()] = code.upper()
    return pairs


_VNI_ENCODE = _vni_pairs()
_VNI_DECODE = {code: char for char, code in _VNI_ENCODE.items()}
_VNI_RE = re.compile("|".join(re.escape(c) for c in sorted(_VNI_DECODE, key=len, reverse=True)))


def decode_vni(data: bytes) -> str:
    """Decode VNI-Windows bytes to NFC text."""
    raw = "".join(_CP1252_PUNCT.get(b, chr(b)) for b in data)
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], raw))


def encode_vni(text: str) -> bytes:
    """Encode text as VNI-Windows."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ord(ch))
        elif ch in _VNI_ENCODE:
            out.extend(_VNI_ENCODE[ch].encode("latin-1"))
        elif "\u00a0" <= ch <= "\u00bf":
            out.append(ord(ch))  # VNI letters and marks all lie above 0xBF: Latin-1 symbols keep their codes
        else:
            code = _windows_punct_code(ch)
            if code is None:
                raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) has no VNI code")
            out.append(code)
    return bytes(out)


# --- Windows-1258 ------------------------------------------------------------------------------------------
_QUALITY_MARKS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn: part of the letter, not the tone


def encode_cp1258(text: str) -> bytes:
    """Encode text as Windows-1258: a precomposed letter where the code page has one, else letter + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.extend(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        # cp1258 has â, ơ, ă... but not ấ, ờ, ặ: keep the quality mark on the letter and append the tone.
        nfd = unicodedata.normalize("NFD", ch)
        quality = "".join(m for m in nfd[1:] if m in _QUALITY_MARKS)
        tones = "".join(m for m in nfd[1:] if m not in _QUALITY_MARKS)
        letter = unicodedata.normalize("NFC", nfd[0] + quality)
        out.extend((letter + tones).encode("cp1258"))  # raises UnicodeEncodeError for non-Vietnamese text
    return bytes(out)


def decode_cp1258(data: bytes) -> str:
    """Decode Windows-1258 bytes (combining tone marks) to NFC text; raises UnicodeDecodeError on holes."""
    return unicodedata.normalize("NFC", data.decode("cp1258"))


def _windows_punct_code(ch: str) -> int | None:
    """The cp1252 byte of a typographic character (dash, quote, bullet) in 0x80-0x9F, if any."""
    for code, char in _CP1252_PUNCT.items():
        if char == ch and ord(ch) > 0xFF:
            return code
    return None
