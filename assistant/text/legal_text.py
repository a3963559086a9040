"""Text helpers for legal-reference extraction: OCR-tolerant folding, provinces, dates, issuing bodies."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Dashes, non-breaking spaces and OCR look-alikes collapse so one grammar covers clean and OCR text.
_CHAR_MAP = {"đ": "d", "Đ": "d", "\u00a0": " ", "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"}


@dataclass(frozen=True)
class Folded:
    """Lower-cased, accent-free view of a text with a map from each folded char to its source offset."""

    text: str
    offsets: tuple[int, ...]  # offsets[i] = index in the original of folded char i; one sentinel at the end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering folded [start, end)."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def fold_char(ch: str) -> str:
    """Fold one character: strip Vietnamese diacritics, đ→d, lower-case; combining marks fold to ''."""
    if ch in _CHAR_MAP:
        return _CHAR_MAP[ch]
    out = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return out.lower()


def fold(text: str) -> Folded:
    """Fold a whole text, keeping the offset map back to the original."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        for c in fold_char(ch):
            chars.append(c)
            offsets.append(i)
    offsets.append(len(text))
    return Folded("".join(chars), tuple(offsets))


def fold_str(text: str) -> str:
    """Folded form of a short string, whitespace collapsed."""
    return re.sub(r"\s+", " ", fold(text).text).strip()


# Provinces and centrally-run cities (pre- and post-2025 names); the key is the folded, space-free name.
_PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre", "Bình Dương",
    "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lạng Sơn",
    "Lào Cai", "Lâm Đồng", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên",
    "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang", "Hồ Chí Minh", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
_CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Hồ Chí Minh", "Huế"}
PROVINCE_BY_KEY = {re.sub(r"[^a-z]", "", fold_str(p)): p for p in _PROVINCES}
_PROVINCE_ALT = "|".join(
    sorted((r"\s*".join(re.escape(w) for w in fold_str(p).replace("-", " ").split()) for p in _PROVINCES),
           key=len, reverse=True)
)
PROVINCE_RE = re.compile(rf"(?:{_PROVINCE_ALT})(?![a-z])")


def province_of(folded_name: str) -> str | None:
    """Canonical province for a folded name fragment ("ha tinh", "kontum"), if it is one."""
    return PROVINCE_BY_KEY.get(re.sub(r"[^a-z]", "", folded_name))


def locality(province: str | None) -> str:
    """'tỉnh X' or 'thành phố X' for a province; bare 'tỉnh' when unknown."""
    if province is None:
        return "tỉnh"
    return f"thành phố {province}" if province in _CITIES else f"tỉnh {province}"


def detect_province(folded: str) -> str | None:
    """Province of a plan from its header: the place-date line first, then 'tỉnh X' near the top, then the body."""
    head = folded[:1500]
    for m in re.finditer(r"([a-z][a-z .']{1,30}?)\s*,\s*ng\w{0,2}y", head):
        found = list(PROVINCE_RE.finditer(m.group(1)))
        if found and found[-1].end() == len(m.group(1).rstrip()):
            return province_of(found[-1].group(0))
    # OCR glues words ("TINHKON TUM"), so the header is also searched without requiring a space after "tinh".
    m = re.search(rf"(?:tinh|thanh pho)\s*({_PROVINCE_ALT})(?![a-z])", head)
    if m:
        return province_of(m.group(1))
    counts: dict[str, int] = {}
    for m in re.finditer(rf"\btinh\s+({_PROVINCE_ALT})(?![a-z])", folded):
        p = province_of(m.group(1))
        if p:
            counts[p] = counts.get(p, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


# OCR reads "ngày/tháng/năm" as "ngay", "thang", "nim", "ndm"; days and months may be glued to the word.
_DATE_NUMERIC = re.compile(r"ng\w{0,2}y\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)(?!\d)")
_DATE_WORDS = re.compile(r"ng\w{0,2}y\s*(\d{1,2})\s+th\w{1,3}ng\s*(\d{1,2})\s+n\w{1,2}m\s*((?:19|20)\d\d)(?!\d)")


def parse_date_at(folded: str, pos: int) -> tuple[str, int] | None:
    """ISO date stated right at `pos` ("ngày 23/12/2022", "ngày 06 tháng 02 năm 2023") and its folded end."""
    m = re.compile(r"\s*,?\s*").match(folded, pos)
    start = m.end() if m else pos
    for rx in (_DATE_NUMERIC, _DATE_WORDS):
        m = rx.match(folded, start)
        if m:
            iso = iso_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            if iso:
                return iso, m.end()
    return None


def iso_date(year: int, month: int, day: int) -> str | None:
    """ISO string when the triple is a real calendar date."""
    import datetime

    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


# Ministries/departments (folded name → proper name); "Bộ X" is national, "Sở X" belongs to the province.
_BRANCHES = {
    "y te": "Y tế", "noi vu": "Nội vụ", "tai chinh": "Tài chính", "tu phap": "Tư pháp",
    "thong tin va truyen thong": "Thông tin và Truyền thông", "ke hoach va dau tu": "Kế hoạch và Đầu tư",
    "khoa hoc va cong nghe": "Khoa học và Công nghệ", "xay dung": "Xây dựng", "cong thuong": "Công Thương",
    "giao duc va dao tao": "Giáo dục và Đào tạo", "tai nguyen va moi truong": "Tài nguyên và Môi trường",
    "lao dong - thuong binh va xa hoi": "Lao động - Thương binh và Xã hội", "giao thong van tai": "Giao thông vận tải",
    "nong nghiep va phat trien nong thon": "Nông nghiệp và Phát triển nông thôn",
    "van hoa, the thao va du lich": "Văn hóa, Thể thao và Du lịch",
}
_BRANCH_ALT = "|".join(sorted(_BRANCHES, key=len, reverse=True))  # plain words: spaces become \s+ below
_SO = r"s[o0e¢&]'?"  # "Sở" as OCR prints it: "So", "S¢", "Sé", "S&"
_LOC = rf"(?:\s*(?:tinh|thanh pho)\s*(?P<prov>{_PROVINCE_ALT})(?![a-z])|\s*(?:tinh|thanh pho)\b)?"
# Issuing bodies as written after "của"; {loc} becomes "tỉnh <province>".
_BODIES: tuple[tuple[str, str], ...] = (
    (rf"chu tich (?:ubnd|uy ban nhan dan){_LOC}", "Chủ tịch UBND {loc}"),
    (rf"(?:ubnd|uy ban nhan dan){_LOC}", "UBND {loc}"),
    (rf"(?:h[dp]{{1,2}}nd|hoi dong nhan dan){_LOC}", "HĐND {loc}"),
    (r"th\w{0,2} t\w{1,4}ng chinh ph\w{1,2}", "Thủ tướng Chính phủ"),
    (r"van phong chinh ph\w{1,2}", "Văn phòng Chính phủ"),
    (r"chinh ph\w{1,2}", "Chính phủ"),
    (r"bo chinh tri", "Bộ Chính trị"),
    (r"ban bi thu", "Ban Bí thư"),
    (r"ban ch\w{1,2}p hanh trung \w{2,5}(?: [dpb]ang)?", "Ban Chấp hành Trung ương Đảng"),
    (rf"ban ch\w{{1,2}}p hanh [dpb]ang bo{_LOC}", "Ban Chấp hành Đảng bộ {loc}"),
    (r"ban th\w{2,4} vu tinh [ua]y", "Ban Thường vụ Tỉnh ủy {prov}"),
    (r"tinh [ua]y", "Tỉnh ủy {prov}"),
    (r"uy ban thuong vu quoc hoi", "Ủy ban Thường vụ Quốc hội"),
    (r"quoc hoi", "Quốc hội"),
    (rf"bo (?P<branch>{_BRANCH_ALT})", "Bộ {branch}"),
    (rf"{_SO}\s?(?P<branch>{_BRANCH_ALT}){_LOC}", "Sở {branch} {loc}"),
)
# Names break across lines in OCR output ("Thủ tướng\n Chính phủ"), so any whitespace run separates words.
BODY_RES = tuple((re.compile(rx.replace(" ", r"\s+")), tpl) for rx, tpl in _BODIES)


def body_name(folded: str, pos: int, province: str | None, full: bool = False) -> tuple[str, int] | None:
    """Proper name of the issuing body written at `pos` (folded text), and its folded end."""
    for rx, tpl in BODY_RES:
        m = rx.fullmatch(folded, pos) if full else rx.match(folded, pos)
        if not m:
            continue
        groups = m.groupdict()
        prov = province_of(groups["prov"]) if groups.get("prov") else province
        name = tpl.format(loc=locality(prov), prov=prov or "", branch=_BRANCHES.get(groups.get("branch") or "", ""))
        return name.strip(), m.end()
    return None


# What a symbol's issuer code means when the text does not name the body.
SUFFIX_BODIES = {
    "CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "VPCP": "Văn phòng Chính phủ", "QH": "Quốc hội",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội", "TW": "Ban Chấp hành Trung ương Đảng", "BCT": "Bộ Chính trị",
    "BYT": "Bộ Y tế", "BNV": "Bộ Nội vụ", "BTC": "Bộ Tài chính", "BTP": "Bộ Tư pháp",
    "BTTTT": "Bộ Thông tin và Truyền thông", "BKHĐT": "Bộ Kế hoạch và Đầu tư", "BKHCN": "Bộ Khoa học và Công nghệ",
    "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội", "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "UBND": "UBND {loc}", "HĐND": "HĐND {loc}", "TU": "Tỉnh ủy {prov}", "SYT": "Sở Y tế {loc}",
    "SNV": "Sở Nội vụ {loc}", "STC": "Sở Tài chính {loc}", "STP": "Sở Tư pháp {loc}",
    "STTTT": "Sở Thông tin và Truyền thông {loc}", "SKHĐT": "Sở Kế hoạch và Đầu tư {loc}",
}


def suffix_body(code: str, province: str | None) -> str | None:
    """Issuing body implied by a symbol's issuer code ("CP", "SYT", "QH15"), if the code is a known one."""
    key = re.sub(r"\d+$", "", code)  # "QH14" is the 14th National Assembly
    tpl = SUFFIX_BODIES.get(key)
    if tpl is None:
        return None
    return tpl.format(loc=locality(province), prov=province or "").strip()
