"""Issuing bodies: names of ministries, committees and departments as written, and what a symbol's issuer code means."""

from __future__ import annotations

import re

from assistant.text.places import PROVINCE_ALT, locality, province_of

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
_LOC = rf"(?:\s*(?:tinh|thanh pho)\s*(?P<prov>{PROVINCE_ALT})(?![a-z])|\s*(?:tinh|thanh pho)\b)?"
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
