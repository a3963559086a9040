"""Vocabulary and OCR-tolerant patterns for reading a plan's header and signature block."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass

from assistant.text.fold import fold_map
from assistant.text.places import PROVINCE_RE, locality, province_of

log = logging.getLogger(__name__)

# OCR prints Vietnamese vowels with marks as digits, symbols or other letters ("S4" Số, "HQI" HỘI, "Tw" Tự,
# "nhdn" nhận, "S¢" Sở), so a vowel position in a pattern accepts any of these glyphs.
_V = r"[aeiouy0-9¢€&@q!|wd]"
# Consonants OCR confuses by shape: Đ is read as P or b ("Péc 1ap" Độc lập), l as 1 or |, s as 5 or $.
_CONS = {"d": "[dpb]", "l": "[l1i|!]", "g": "[gq9]", "s": "[s5$]", "c": "[c(]", "t": "[t7]"}
_VOWELS = set("aeiouy")


@functools.lru_cache(maxsize=512)
def ocr_rx(phrase: str) -> str:
    """Regex for a folded phrase that tolerates OCR glyph confusions and lost or extra spaces."""
    words = []
    for word in phrase.split():
        out, i = [], 0
        while i < len(word):
            if word[i] in _VOWELS:
                j = i
                while j < len(word) and word[j] in _VOWELS:
                    j += 1
                n = j - i
                out.append(f"{_V}{{{n},{n + 1}}}")  # OCR may add a stray glyph ("NGHIiA") but rarely drops one
                i = j
            else:
                out.append(_CONS.get(word[i], re.escape(word[i])))
                i += 1
        words.append("".join(out))
    return r"\s*".join(words)


# Kinds: head starts an agency name, word continues it, loc is an administrative level followed by a place.
_PHRASES: tuple[tuple[str, str, str], ...] = (
    ("uy ban nhan dan", "Ủy ban nhân dân", "head"), ("ubnd", "UBND", "head"),
    ("hoi dong nhan dan", "Hội đồng nhân dân", "head"), ("hdnd", "HĐND", "head"),
    ("so", "Sở", "head"), ("bo", "Bộ", "head"), ("tong cuc", "Tổng cục", "head"), ("chi cuc", "Chi cục", "head"),
    ("cuc", "Cục", "head"), ("trung tam", "Trung tâm", "head"), ("benh vien", "Bệnh viện", "head"),
    ("van phong", "Văn phòng", "head"), ("phong", "Phòng", "head"), ("ban", "Ban", "head"),
    ("vien", "Viện", "head"), ("truong", "Trường", "head"), ("tram", "Trạm", "head"),
    ("tinh uy", "Tỉnh ủy", "head"), ("huyen uy", "Huyện ủy", "head"), ("dang uy", "Đảng ủy", "head"),
    ("thanh tra", "Thanh tra", "head"), ("cong ty", "Công ty", "head"),
    # Head + "Y tế" as one phrase too: OCR glues "SỞ Y" into "SOY", which the head alone would swallow.
    ("so y te", "Sở Y tế", "head"), ("bo y te", "Bộ Y tế", "head"), ("trung tam y te", "Trung tâm Y tế", "head"),
    ("tram y te", "Trạm Y tế", "head"), ("phong y te", "Phòng Y tế", "head"),
    ("y te", "Y tế", "word"), ("kiem soat benh tat", "Kiểm soát bệnh tật", "word"), ("da khoa", "Đa khoa", "word"),
    ("y duoc co truyen", "Y dược cổ truyền", "word"), ("noi vu", "Nội vụ", "word"),
    ("tai chinh", "Tài chính", "word"), ("tu phap", "Tư pháp", "word"), ("dan so", "Dân số", "word"),
    ("giao duc va dao tao", "Giáo dục và Đào tạo", "word"), ("ke hoach va dau tu", "Kế hoạch và Đầu tư", "word"),
    ("an toan ve sinh thuc pham", "An toàn vệ sinh thực phẩm", "word"), ("giam dinh y khoa", "Giám định Y khoa", "word"),
    ("thanh pho", "thành phố", "loc"), ("tp", "thành phố", "loc"), ("tinh", "tỉnh", "loc"), ("huyen", "huyện", "loc"),
    ("thi xa", "thị xã", "loc"), ("thi tran", "thị trấn", "loc"), ("quan", "quận", "loc"), ("xa", "xã", "loc"),
    ("phuong", "phường", "loc"),
)
_PHRASE_RES = tuple(
    (re.compile(ocr_rx(key)), canon, kind)
    for key, canon, kind in sorted(_PHRASES, key=lambda p: len(p[0]), reverse=True)
)
_BOUNDARY = re.compile(r"(?![a-z0-9])")


@dataclass(frozen=True)
class Body:
    """An agency name rendered in clean Vietnamese, with its administrative level and place if it states one."""

    name: str
    head: str | None  # "Sở", "Trung tâm", "UBND"... None when the name does not start with a known head word
    level: str | None  # "tỉnh", "huyện"...
    place: str | None  # "Hà Tĩnh", "Tu Mo Rong"
    province: str | None  # place when it is a province (from the province table)


def _match_phrase(s: str, pos: int) -> tuple[str, str, int] | None:
    """Longest vocabulary phrase at `pos`; a level word may be glued to a province name ("TINHKON TUM")."""
    for rx, canon, kind in _PHRASE_RES:
        m = rx.match(s, pos)
        if not m:
            continue
        if _BOUNDARY.match(s, m.end()) or (kind == "loc" and _province_at(s, m.end())):
            return canon, kind, m.end()
    return None


def _province_at(s: str, pos: int) -> str | None:
    """Province named at `pos` of folded text; trailing words (an unremoved right column) are ignored."""
    m = PROVINCE_RE.match(s, pos + len(s[pos:]) - len(s[pos:].lstrip()))
    return province_of(m.group(0)) if m else None


def _case_words(text: str, title: bool) -> str:
    """Upper-case headers rendered as Title Case (places) or sentence case (agency names)."""
    words = text.split()
    if not any(c.isupper() for c in text) or any(c.islower() for c in text):
        return " ".join(words)  # already mixed case: keep as written
    if title:
        return " ".join(w[:1] + w[1:].lower() for w in words)
    return " ".join([words[0][:1] + words[0][1:].lower()] + [w.lower() for w in words[1:]]) if words else ""


def _restore_words(text: str) -> str:
    """Common words with stripped accents through the colleague's restorer, if it is importable."""
    if not text.isascii():
        return text
    try:
        from assistant.restore.restorer import restore_line  # lazy: loads a model; absent in minimal installs
    except ImportError:
        return text
    try:
        out = restore_line(text)
    except Exception:  # a restorer failure must not lose the metadata
        log.warning("restore_line failed on %r", text, exc_info=True)
        return text
    return out if len(out.split()) == len(text.split()) else text


def render_body(text: str) -> Body | None:
    """Clean Vietnamese name of an agency written upper-case or OCR-damaged ("SOY TE" → "Sở Y tế")."""
    f = fold_map(text)
    s = f.text
    parts: list[str] = []
    head = level = place = province = None
    pos, unknown = 0, None

    def flush(end: int) -> None:
        nonlocal unknown
        if unknown is not None:
            a, b = f.span(unknown, end)
            parts.append(_case_words(_restore_words(text[a:b].strip(" ,.-")), title=False))
            unknown = None

    while pos < len(s):
        if not s[pos].isalnum():
            pos += 1
            continue
        found = _match_phrase(s, pos)
        if found and found[1] == "loc":
            flush(pos)
            level = found[0]
            rest = s[found[2]:].strip(" ,.-")
            province = _province_at(s, found[2]) if level in ("tỉnh", "thành phố") else None
            if rest:
                a, b = f.span(found[2], len(s))
                # Proper names stay as written: a common-word restorer turns "Tu Mo Rong" into "Từ Mở Rộng".
                place = province or _case_words(text[a:b].strip(" ,.-"), title=True)
            parts.append(f"{level} {place}" if place else level)
            break
        if found:
            flush(pos)
            if not parts and found[1] == "head":
                head = found[0]
            parts.append(found[0])
            pos = found[2]
            continue
        if unknown is None:
            unknown = pos
        while pos < len(s) and not s[pos].isspace():
            pos += 1
    flush(len(s))
    name = unicodedata.normalize("NFC", " ".join(p for p in parts if p))
    place = unicodedata.normalize("NFC", place) if place else None
    return Body(name, head, level, place, province) if name else None


def starts_with_head(text: str) -> bool:
    """True when an upper-case header line begins a new agency name ("SỞ Y TẾ", "TRUNG TÂM ...")."""
    s = fold_map(text).text.lstrip(" *#-")
    found = _match_phrase(s, 0)
    return bool(found and found[1] == "head")


def complete_issuer(issuer: Body, parent: Body | None, province: str | None) -> str:
    """Issuer's full name: a Sở or unit without a place takes its parent's level and place ("Sở Y tế tỉnh Hà Tĩnh")."""
    if issuer.level is not None and issuer.place is not None:
        return issuer.name
    if parent is not None and parent.level and parent.place:
        if issuer.level is None:
            return f"{issuer.name} {parent.level} {parent.place}"
        return f"{issuer.name} {parent.place}"  # "BỆNH VIỆN ĐA KHOA TỈNH" under "SỞ Y TẾ TỈNH X"
    # A Sở is by law a provincial department, so a stated province completes its name; other units are left alone.
    if issuer.head and issuer.head.split()[0] == "Sở" and issuer.level is None and province:
        return f"{issuer.name} {locality(province)}"
    return issuer.name


# Signature capacities (folded → printed form); the regex tries longer ones first so "pho giam doc" wins.
_CAPACITIES = {
    "pho tong giam doc": "PHÓ TỔNG GIÁM ĐỐC", "tong giam doc": "TỔNG GIÁM ĐỐC", "pho giam doc": "PHÓ GIÁM ĐỐC",
    "giam doc": "GIÁM ĐỐC", "pho chu tich": "PHÓ CHỦ TỊCH", "chu tich": "CHỦ TỊCH",
    "pho truong phong": "PHÓ TRƯỞNG PHÒNG", "truong phong": "TRƯỞNG PHÒNG",
    "pho chanh van phong": "PHÓ CHÁNH VĂN PHÒNG", "chanh van phong": "CHÁNH VĂN PHÒNG",
    "pho truong ban": "PHÓ TRƯỞNG BAN", "truong ban": "TRƯỞNG BAN", "pho vien truong": "PHÓ VIỆN TRƯỞNG",
    "vien truong": "VIỆN TRƯỞNG", "pho chi cuc truong": "PHÓ CHI CỤC TRƯỞNG", "chi cuc truong": "CHI CỤC TRƯỞNG",
    "pho cuc truong": "PHÓ CỤC TRƯỞNG", "cuc truong": "CỤC TRƯỞNG", "bo truong": "BỘ TRƯỞNG",
    "thu truong": "THỨ TRƯỞNG", "pho chanh thanh tra": "PHÓ CHÁNH THANH TRA", "chanh thanh tra": "CHÁNH THANH TRA",
    "pho hieu truong": "PHÓ HIỆU TRƯỞNG", "hieu truong": "HIỆU TRƯỞNG", "pho bi thu": "PHÓ BÍ THƯ", "bi thu": "BÍ THƯ",
    "pho truong khoa": "PHÓ TRƯỞNG KHOA", "truong khoa": "TRƯỞNG KHOA", "pho tram truong": "PHÓ TRẠM TRƯỞNG",
    "tram truong": "TRẠM TRƯỞNG",
}
_CAP_KEYS = tuple(sorted(_CAPACITIES, key=len, reverse=True))
_PREFIX_TEXT = {"kt": "KT.", "tm": "TM.", "q": "Q.", "tl": "TL.", "tuq": "TUQ."}
CAPACITY_RE = re.compile(
    r"(?<![a-z0-9])(?:(?P<pre>kt|tm|tuq|tl|q)\s*[.,]\s*)?(?P<cap>"
    + "|".join(f"(?P<c{i}>{ocr_rx(c)})" for i, c in enumerate(_CAP_KEYS))
    + r")(?![a-z0-9])"
)
PREFIX_ONLY_RE = re.compile(r"(?<![a-z0-9])(?P<pre>kt|tm|tuq|tl|q)\s*[.,]\s*(?=\S)")


def capacity_text(m: re.Match[str]) -> str:
    """Printed form of a matched signature capacity, with its KT./TM./Q. prefix."""
    printed = next(_CAPACITIES[k] for i, k in enumerate(_CAP_KEYS) if m.group(f"c{i}"))
    pre = m.group("pre")
    return f"{_PREFIX_TEXT[pre]} {printed}" if pre else printed


def prefix_text(pre: str) -> str:
    """Printed form of a signing prefix (kt → KT.)."""
    return _PREFIX_TEXT[pre]


# Common Vietnamese surnames (folded): a name-shaped line in a signature block without a capacity line is
# accepted as the signer only when it starts with one of these.
SURNAMES = frozenset(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly trinh dinh dao doan lam luong luu "
    "mai ha cao chu chau ta tong thai quach kieu khuc la lai lo lu lieu mac nong ong phung thach tieu to trieu "
    "truong van vuong giang kim lang lac hua au diep khong nghiem nhu quan son tang than thieu vi y a".split()
)


_MARKUP = re.compile(r"[*_#`>]+")


def clean_line(line: str) -> str:
    """A header or signature line without Markdown marks, stripped."""
    return _MARKUP.sub("", line).strip()


def mostly_upper(text: str) -> bool:
    """Written in capitals, as header fields, titles and signing capacities are."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
