"""Canonical names of national instruments cited by name, matched however a plan abbreviates or OCR garbles them.

Auditors search for an instrument by its official name ("Chương trình tổng thể cải cách hành chính nhà nước giai
đoạn 2021-2030"), while plans write "Chương trình tổng thể CCHC nhà nước giai đoạn 2021-2030" and OCR prints
"Chuong trinh téng thé CCHC nha nudc". The vocabulary below is domain knowledge: national laws and programmes that
administrative-reform plans cite, by the names they were enacted under.
"""

from __future__ import annotations

import functools
import re

from assistant.text.fold import fold_words
from assistant.text.syllables import ocr_skeleton

# (type, official name) of national instruments cited by name in administrative-reform plans.
NATIONAL_INSTRUMENTS: tuple[tuple[str, str], ...] = (
    ("Chương trình", "Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021-2030"),
    ("Chương trình", "Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2011-2020"),
    ("Chương trình", "Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030"),
    ("Luật", "Luật Ban hành văn bản quy phạm pháp luật"),
    ("Luật", "Luật Quản lý, sử dụng tài sản công"),
    ("Luật", "Luật Cán bộ, công chức"),
    ("Luật", "Luật Viên chức"),
    ("Luật", "Luật Tổ chức chính quyền địa phương"),
    ("Luật", "Luật Tổ chức Chính phủ"),
    ("Luật", "Luật Thi đua, khen thưởng"),
    ("Luật", "Luật Ngân sách nhà nước"),
    ("Luật", "Luật Giao dịch điện tử"),
    ("Luật", "Luật Công nghệ thông tin"),
    ("Luật", "Luật An toàn thông tin mạng"),
    ("Luật", "Luật An ninh mạng"),
    ("Luật", "Luật Lưu trữ"),
    ("Luật", "Luật Phòng, chống tham nhũng"),
    ("Luật", "Luật Tiếp cận thông tin"),
    ("Luật", "Luật Bảo vệ bí mật nhà nước"),
    ("Luật", "Luật Thực hành tiết kiệm, chống lãng phí"),
    ("Luật", "Luật Khám bệnh, chữa bệnh"),
    ("Luật", "Luật Bảo hiểm y tế"),
    ("Luật", "Luật Dữ liệu"),
    ("Luật", "Luật Khoa học và Công nghệ"),
    ("Luật", "Luật Chuyển giao công nghệ"),
)
# Abbreviations plans use inside names, written out (folded).
_ABBREVIATIONS = {"cchc": "cai cach hanh chinh", "qppl": "quy pham phap luat", "vbqppl": "van ban quy pham phap luat",
                  "nn": "nha nuoc", "cds": "chuyen doi so"}
_LOCAL = {"tinh", "thanh", "pho", "cua"}  # a provincial programme of the same name: "... của tỉnh ..."
MIN_COVER = 0.8  # share of the official name's words the mention must have, in order
MIN_PRECISION = 0.6  # share of the mention's words that belong to the official name


def _key(word: str) -> str:
    """A folded word with OCR's usual glyph confusions undone ("nudc" stays close to "nuoc", "sir" to "su")."""
    return ocr_skeleton(word).replace("ir", "u")


def _words(name: str) -> list[str]:
    out: list[str] = []
    for w in re.findall(r"[a-z0-9&@$¢€é]+(?:-[0-9]+)?", fold_words(name)):
        out += _ABBREVIATIONS.get(w, w).split()
    return out


def _close(a: str, b: str) -> bool:
    """Same word up to OCR damage: equal keys, one edit for short words, two for long ones; a year range by its
    first year (OCR misreads the last digits: "2021-2023" for "2021-2030")."""
    if a == b:
        return True
    if "-" in a and "-" in b:
        return a.split("-")[0] == b.split("-")[0]
    if a.isdigit() or b.isdigit():
        return False
    ka, kb = _key(a), _key(b)
    return _distance(ka, kb) <= (1 if min(len(ka), len(kb)) <= 4 else 2)


@functools.lru_cache(maxsize=65536)
def _distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _common(mention: list[str], official: list[str]) -> int:
    """Longest common subsequence of words under `_close`."""
    prev = [0] * (len(official) + 1)
    for a in mention:
        cur = [0]
        for j, b in enumerate(official, 1):
            cur.append(prev[j - 1] + 1 if _close(a, b) else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def canonical_name(kind: str, name: str, locality: str | None = None) -> str | None:
    """The official name of the national instrument `name` mentions, or None. A provincial programme of the same
    name ("... cải cách hành chính của tỉnh ...") is named after it with its locality."""
    mention = _words(name)
    local = bool(_LOCAL & set(mention)) and kind == "Chương trình"
    core = [w for w in mention if w not in _LOCAL] if local else mention
    best: tuple[float, str] | None = None
    for k, official in NATIONAL_INSTRUMENTS:
        if k != kind:
            continue
        words = _words(official)
        common = _common(core, words)
        if common / len(words) >= MIN_COVER and common / max(1, len(core)) >= MIN_PRECISION:
            score = common / len(words) + common / max(1, len(core))
            if best is None or score > best[0]:
                best = (score, official)
    if best is None:
        return None
    return f"{best[1]} của {locality or 'tỉnh'}" if local else best[1]
