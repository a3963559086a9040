"""Provinces and centrally-run cities: the 63 before and the 34 after the 1 July 2025 merger, and where each went."""

from __future__ import annotations

import re

from assistant.text.fold import fold_words

# Nghị quyết 202/2025/QH15 (12 June 2025): from 1 July 2025 the country has 34 provincial units. Each entry is
# new unit -> the old units merged into it (the new unit keeps the first name); units not listed were unchanged.
MERGERS: dict[str, tuple[str, ...]] = {
    "Tuyên Quang": ("Tuyên Quang", "Hà Giang"), "Lào Cai": ("Lào Cai", "Yên Bái"),
    "Thái Nguyên": ("Thái Nguyên", "Bắc Kạn"), "Phú Thọ": ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình"),
    "Bắc Ninh": ("Bắc Ninh", "Bắc Giang"), "Hưng Yên": ("Hưng Yên", "Thái Bình"),
    "Hải Phòng": ("Hải Phòng", "Hải Dương"), "Ninh Bình": ("Ninh Bình", "Hà Nam", "Nam Định"),
    "Quảng Trị": ("Quảng Trị", "Quảng Bình"), "Đà Nẵng": ("Đà Nẵng", "Quảng Nam"),
    "Quảng Ngãi": ("Quảng Ngãi", "Kon Tum"), "Gia Lai": ("Gia Lai", "Bình Định"),
    "Khánh Hòa": ("Khánh Hòa", "Ninh Thuận"), "Lâm Đồng": ("Lâm Đồng", "Đắk Nông", "Bình Thuận"),
    "Đắk Lắk": ("Đắk Lắk", "Phú Yên"), "Hồ Chí Minh": ("Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"),
    "Đồng Nai": ("Đồng Nai", "Bình Phước"), "Tây Ninh": ("Tây Ninh", "Long An"),
    "Cần Thơ": ("Cần Thơ", "Sóc Trăng", "Hậu Giang"), "Vĩnh Long": ("Vĩnh Long", "Bến Tre", "Trà Vinh"),
    "Đồng Tháp": ("Đồng Tháp", "Tiền Giang"), "Cà Mau": ("Cà Mau", "Bạc Liêu"), "An Giang": ("An Giang", "Kiên Giang"),
}
UNCHANGED = ("Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An",
             "Hà Tĩnh", "Cao Bằng")
PROVINCES_2025 = tuple(sorted({*MERGERS, *UNCHANGED}))
# "Thừa Thiên Huế" became the city of Huế on 1 January 2025; both names occur in documents.
PROVINCES_BEFORE = tuple(sorted({old for olds in MERGERS.values() for old in olds} | {*UNCHANGED, "Thừa Thiên Huế"}))
_MERGED_INTO = {old: new for new, olds in MERGERS.items() for old in olds} | {"Thừa Thiên Huế": "Huế"}
_CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Hồ Chí Minh", "Huế"}
# Names people write for a unit besides its official one.
_ALIASES = {"TP HCM": "Hồ Chí Minh", "TP.HCM": "Hồ Chí Minh", "Sài Gòn": "Hồ Chí Minh", "Đắc Lắc": "Đắk Lắk",
            "Đắk Lăk": "Đắk Lắk", "Daklak": "Đắk Lắk", "Đăk Nông": "Đắk Nông", "Thanh Hoá": "Thanh Hóa",
            "Khánh Hoà": "Khánh Hòa", "Hoà Bình": "Hòa Bình"}


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", fold_words(name))


PROVINCE_BY_KEY = {_key(p): p for p in PROVINCES_BEFORE + PROVINCES_2025} | {_key(a): p for a, p in _ALIASES.items()}
_ALL_NAMES = (*PROVINCES_BEFORE, *_ALIASES)
PROVINCE_ALT = "|".join(
    sorted({r"\s*".join(re.escape(w) for w in fold_words(p).replace("-", " ").split()) for p in _ALL_NAMES},
           key=len, reverse=True)
)
# Runs over folded text; OCR glues words ("kontum"), so spaces inside a name are optional.
PROVINCE_RE = re.compile(rf"(?:{PROVINCE_ALT})(?![a-z])")


def province_of(folded_name: str) -> str | None:
    """Canonical province for a folded name fragment ("ha tinh", "kontum"), if it is one."""
    return PROVINCE_BY_KEY.get(re.sub(r"[^a-z]", "", folded_name))


def merged_into(province: str | None) -> str | None:
    """The post-July-2025 province an older one belongs to ("Kon Tum" -> "Quảng Ngãi"); itself when unchanged."""
    if province is None:
        return None
    return _MERGED_INTO.get(province, province if province in PROVINCES_2025 else None)


def is_city(province: str) -> bool:
    """True for the centrally-run cities (thành phố trực thuộc trung ương)."""
    return province in _CITIES


def locality(province: str | None) -> str:
    """'tỉnh X' or 'thành phố X' for a province; bare 'tỉnh' when unknown."""
    if province is None:
        return "tỉnh"
    return f"thành phố {province}" if is_city(province) else f"tỉnh {province}"


_NAMED_RE = re.compile(rf"(?<![a-z])(?:{PROVINCE_ALT})(?![a-z])")  # whole words: "thue" (thuế) holds no "Huế"


def provinces_named(folded: str) -> list[str]:
    """Provinces a folded text names, in order of first mention."""
    found = [province_of(m.group(0)) for m in _NAMED_RE.finditer(folded)]
    return list(dict.fromkeys(p for p in found if p))


def detect_province(folded: str) -> str | None:
    """Province of a document from its folded text: the place-date line first, then 'tỉnh X' near the top, then the body."""
    head = folded[:1500]
    for m in re.finditer(r"([a-z][a-z .']{1,30}?)\s*,\s*ng\w{0,2}y", head):
        found = list(PROVINCE_RE.finditer(m.group(1)))
        if found and found[-1].end() == len(m.group(1).rstrip()):
            return province_of(found[-1].group(0))
    # OCR glues words ("TINHKON TUM"), so the header is also searched without requiring a space after "tinh".
    m = re.search(rf"(?:tinh|thanh pho)\s*({PROVINCE_ALT})(?![a-z])", head)
    if m:
        return province_of(m.group(1))
    counts: dict[str, int] = {}
    for m in re.finditer(rf"\btinh\s+({PROVINCE_ALT})(?![a-z])", folded):
        p = province_of(m.group(1))
        if p:
            counts[p] = counts.get(p, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None
