"""The one vocabulary of document types: names, codes in a symbol (số ký hiệu), and how OCR may print the names.

Sources: Nghị định 30/2020/NĐ-CP, Phụ lục III (administrative documents and their abbreviations); Luật Ban hành văn
bản quy phạm pháp luật 2015 (legal normative documents); the Party's document rules (Quy định 66-QĐ/TW) for the
types Party committees issue (Kết luận, Quy định "205-QĐ/TW", Chương trình hành động "10-CTr/TU").
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DocType:
    """A document type: its name, the codes a symbol uses for it (canonical first), an OCR-tolerant folded regex."""

    name: str
    codes: tuple[str, ...]
    pattern: str  # over folded text (lower case, no diacritics): "Quyét dinh", "K& hoach", "cong vin" all match


# Longer names come before their prefixes ("Thông tư liên tịch" before "Thông tư"), as regex alternation needs.
VOCABULARY: tuple[DocType, ...] = (
    DocType("Nghị định", ("NĐ",), r"ngh[iy1l]\s?d[iy1l]nh"),
    DocType("Nghị quyết liên tịch", ("NQLT",), r"ngh[iy1l]\s?quy[e]t\s+li[e]n\s+t[iy1l]ch"),
    DocType("Nghị quyết", ("NQ",), r"ngh[iy1l]\s?quy[e]t"),
    DocType("Quyết định", ("QĐ",), r"quy[e]t\s?d[iy1l]nh"),
    DocType("Chỉ thị", ("CT",), r"ch[iy1l]\s?th[iy1l]"),
    DocType("Thông tư liên tịch", ("TTLT",), r"th[o0]ng\s?t[uw]\s+li[e]n\s+t[iy1l]ch"),
    DocType("Thông tư", ("TT",), r"th[o0]ng\s?t[uw]"),
    DocType("Kế hoạch", ("KH",), r"k[e&¢]{1,2}\s?ho[a@]ch"),
    DocType("Công văn", (), r"c[o0]ng\s?v[a@i]n"),  # no code: "887/UBND-KSTT"
    DocType("Công điện", ("CĐ",), r"c[o0]ng\s?d[iy1l][e]n"),
    DocType("Kết luận", ("KL",), r"k[e&¢]t\s?lu[a@]n"),
    DocType("Hướng dẫn", ("HD",), r"h[uw][o0e]ng\s?d[a@i]n"),
    DocType("Thông báo", ("TB",), r"th[o0]ng\s?b[a@]o"),
    DocType("Thông cáo", ("TC",), r"th[o0]ng\s?c[a@]o"),
    DocType("Quy định", ("QyĐ",), r"quy\s?d[iy1l]nh"),
    DocType("Quy chế", ("QC", "QL"), r"quy\s?ch[e]"),
    DocType("Báo cáo", ("BC",), r"b[a@]o\s?c[a@]o"),
    DocType("Biên bản", ("BB",), r"bi[e]n\s?b[a@]n"),
    DocType("Tờ trình", ("TTr",), r"t[o0]\s?tr[iy1l]nh"),
    DocType("Pháp lệnh", ("PL",), r"ph[a@]p\s?l[e]nh"),
    DocType("Luật", (), r"lu[a@]t"),
    DocType("Đề án", ("ĐA",), r"[dpb][e&]\s?[a@]n"),
    DocType("Dự án", ("DA",), r"[dpb][uw]\s?[a@]n"),
    DocType("Phương án", ("PA",), r"ph[uw]{0,2}[o0]ng\s?[a@]n"),
    DocType("Chương trình", ("CTr", "CH"), r"ch[uw]{0,2}[o0]ng\s?tr[iy1l]nh"),
    DocType("Hợp đồng", ("HĐ",), r"h[o0]p\s?d[o0]ng"),
    DocType("Bản ghi nhớ", ("GN",), r"b[a@]n\s?gh[iy1l]\s?nh[o0]"),
    DocType("Bản thỏa thuận", ("TTh",), r"b[a@]n\s?th[o0][a@]\s?thu[a@]n"),
    DocType("Giấy mời", ("GM",), r"gi[a@]y\s?m[o0][iy1l]"),
    DocType("Giấy ủy quyền", ("GUQ",), r"gi[a@]y\s?[uy]y\s?quy[e]n"),
    DocType("Giấy giới thiệu", ("GGT",), r"gi[a@]y\s?gi[o0][iy1l]\s?thi[e]u"),
    DocType("Phiếu gửi", ("PG",), r"phi[e]u\s?g[uw]i"),
    DocType("Phiếu chuyển", ("PC",), r"phi[e]u\s?chuy[e]n"),
    DocType("Phiếu báo", ("PB",), r"phi[e]u\s?b[a@]o"),
)
BY_NAME = {t.name: t for t in VOCABULARY}


def _folded_code(code: str) -> str:
    return code.lower().replace("đ", "d")


# Folded code -> canonical code. Folding merges "ĐA"/"DA" and "HD"/"HĐ": the more frequent in plans wins.
# OCR reads "Đ" as "B"/"b" ("NB-CP", "Qb-TTg").
TYPE_CODES: dict[str, str] = {"nb": "NĐ", "qb": "QĐ"}
for _t in reversed(VOCABULARY):
    for _c in _t.codes:
        TYPE_CODES[_folded_code(_c)] = _c
TYPE_CODES |= {"da": "ĐA", "hd": "HD"}
# Canonical code -> type name ("QĐ" is a Quyết định; Party regulations "205-QĐ/TW" are read in context).
TYPE_NAMES: dict[str, str] = {c: t.name for t in VOCABULARY for c in t.codes}
TYPE_WORD_ALT = "|".join(f"(?P<w{i}>{t.pattern})" for i, t in enumerate(VOCABULARY))
TYPE_WORD_RE = re.compile(rf"(?<![a-z])(?:{TYPE_WORD_ALT})(?![a-z])")


def type_word(m: re.Match[str]) -> str:
    """Name of the type word matched by a TYPE_WORD_ALT group."""
    for i, t in enumerate(VOCABULARY):
        if m.group(f"w{i}"):
            return t.name
    raise ValueError("no type word in match")


def name_for_code(folded_code: str) -> str | None:
    """Type name for a code as found in folded text ("qd" -> "Quyết định"), if it is a type code."""
    code = TYPE_CODES.get(folded_code)
    return TYPE_NAMES.get(code) if code else None


def code_for_name(name: str) -> str | None:
    """Canonical code of a type name ("Kế hoạch" -> "KH"); None for a type without one."""
    t = BY_NAME.get(name)
    return t.codes[0] if t and t.codes else None


def type_at_start(folded: str) -> str | None:
    """Type named at the very start of a folded line ("ke hoach", "quyet dinh ve viec ..."), if any."""
    m = re.match(rf"\s*(?:{TYPE_WORD_ALT})(?![a-z])", folded)
    return type_word(m) if m else None
