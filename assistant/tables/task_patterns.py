"""Word classes for the tasks of a plan: units, what they do, column names, time expressions (folded text)."""

from __future__ import annotations

import re

from assistant.text.fold import fold_char

# Every pattern runs over folded text (lower case, no diacritics, đ → d): one grammar for clean text, the
# restored reading of OCR text and text pasted from portals. A space in a pattern stands for any whitespace.


def _words(rx: str) -> str:
    return rx.replace(" ", r"\s+")


# Heads of unit names that are nothing else at the start of a subject.
_UNIT_HEADS = (
    "ubnd", "uy ban", "hdnd", "hoi dong", "van phong", "don vi", "co quan", "thu truong", "giam doc",
    "pho giam doc", "lanh dao", "chu tich", "nguoi dung dau", "cong an", "ngan hang", "kho bac", "hiep hoi",
    "lien hiep", "lien minh", "lien doan", "mat tran", "toa an", "vien kiem sat", "kiem toan", "doanh nghiep",
    "tinh uy", "huyen uy", "dang uy", "cong doan", "bo phan", "bo chi huy", "chi cuc", "tong cuc",
    "tong cong ty", "cong ty", "chi nhanh", "truong cac", "truong phong", "truong khoa", "truong ban",
    "tinh doan", "thanh tra so", "thanh tra tinh", "ban chi dao", "ban quan ly", "benh vien", "trung tam",
    "cac co so", "co so dao tao", "thue", "chu dau tu", "nha dau tu", "nha mang", "nha cung cap", "nha thau",
    "cap uy", "to chuc chinh tri",
)
# Heads that are also common words ("ban hành", "bộ máy", "báo cáo", "phòng, chống", "tổ chức"): a unit only
# when the next word is capitalised ("Ban Quản lý", "Sở Y tế", "Phòng TCCB") or after "các" ("các phòng").
_AMBIGUOUS_HEADS = (
    "so", "phong", "ban", "bo", "cuc", "vien", "bao", "dai", "hoi", "doan", "to", "nhom", "khoa", "tram",
    "truong", "thanh tra", "nganh", "dia phuong",
)
_ALL_HEADS = sorted(_UNIT_HEADS + _AMBIGUOUS_HEADS, key=len, reverse=True)
UNIT_HEAD = re.compile(rf"(?:cac\s+)?(?P<head>{'|'.join(_words(h) for h in _ALL_HEADS)})(?![a-z0-9])")
AMBIGUOUS = frozenset(_AMBIGUOUS_HEADS)

# Words that open a subject without belonging to it: "Giao Văn phòng Sở chủ trì", "Đề nghị: Hiệp hội ...",
# "Căn cứ kế hoạch này, Giám đốc các Sở ...", "Trên cơ sở Kế hoạch này, các sở ...".
GIAO = re.compile(r"giao(?:\s+nhiem\s+vu)?(?:\s+cho)?\s*:?\s+")
LEAD_IN = re.compile(
    r"(?:(?:giao(?:\s+nhiem\s+vu)?(?:\s+cho)?|de\s+nghi|yeu\s+cau|khuyen\s+khich)\s*:?\s+"
    r"|(?:can\s+cu|tren\s+co\s+s\w|sau\s+khi)\s[^,;:.]{0,140},\s*)"
)
# What a unit does: the first of these words written in lower case ends the unit's name. "tổ chức," is a noun
# ("doanh nghiệp, tổ chức, cá nhân"); "cán bộ" and the "đề" of "đề án" are not "cần" and "để".
PREDICATE = re.compile(_words(
    r"(?:chu tri|phoi hop|la co quan|la dau moi|lam dau moi|co trach nhiem|chiu trach nhiem|can cu|tham muu|"
    r"to chuc(?!,)|thuc hien|trien khai|xay dung|huong dan|theo doi|tong hop|chi dao|chu dong|bao cao|"
    r"ra soat|kiem tra|don doc|pho bien|tuyen truyen|nghien cuu|bo tri|day manh|tang cuong|uu tien|tich cuc|"
    r"dinh ky|khan truong|can(?! bo)|phai|thuong xuyen|truc tiep|quan triet|ho tro|dinh huong|tiep nhan|"
    r"tham dinh|cap nhat|phat huy|van dong|tiep tuc|kip thoi|nang cao|dam bao|bao dam|giam sat|danh gia|"
    r"de xuat|thong nhat|yeu cau|de nghi|huy dong|phe duyet|ban hanh|dau tu|ung dung|su dung|tham gia|"
    r"phat trien|phat dong|kiem soat|thanh lap|nghiem tuc|trinh|lam|la|gui|duoc|sau khi|ngay|trong|theo|"
    r"nham|voi|khi|se|"
    r"de(?! (?:an|xuat|nghi|tai|ra)))"
    r"(?![a-z0-9])"
))
# "phối hợp (chặt chẽ) (với)": the units named right after are the coordinating ones.
PARTNER_INTRO = re.compile(r"phoi\s+hop(?:\s+chat\s+che)?(?:\s+voi)?\s+")
# Statements that close a plan rather than assign work, and the recipients' block after the body.
CLOSING = re.compile(_words(r"(?:trong qua trinh|qua trinh thuc hien|tren day la|neu co kho khan|noi nhan)"))
RECIPIENTS = re.compile(r"n[o\x00]i\s+nh\w{0,2}n\s*:")
# "UBND tỉnh yêu cầu các sở, ngành ...": the units asked come after the verb.
REQUEST = re.compile(r"(?:yeu\s+cau|de\s+nghi)\s+")
# Sections whose items assign work to units.
ASSIGN_TITLE = re.compile(_words(
    r"(?:to chuc thuc hien|phan cong|trach nhiem|giao nhiem vu|che do bao cao|theo doi, kiem tra|"
    r"phuong an trien khai|to chuc trien khai)"
))
# Labelled fields of a block of items: "Đơn vị thực hiện: X chủ trì, phối hợp Y", "Thời gian thực hiện: Z".
LABEL = re.compile(
    r"(?:(?P<unit>(?:don\s+vi|co\s+quan|bo\s+phan)\s+(?:thuc\s+hien|chu\s+tri|phu\s+trach))"
    r"|(?P<time>thoi\s+(?:gian|han)(?:\s+(?:thuc\s+hien|hoan\s+thanh|trien\s+khai))?))\s*:\s*")

# Deadlines stated in prose: a labelled time ("Thời gian hoàn thành: trước 30/6/2025"), a limit ("trước ngày
# 15/12/2025", "trước ngày 01/6 và 15/11 hằng năm"), a reporting rhythm ("định kỳ hằng quý, 6 tháng và năm").
_YEAR = r"(?:19|20)\d\d"
_DATE = rf"\d{{1,2}}\s*/\s*\d{{1,2}}(?:\s*/\s*{_YEAR})?|\d{{1,2}}\s+thang\s+\d{{1,2}}(?:\s+nam\s+{_YEAR})?"
_PERIOD = rf"(?:quy\s+[ivx\d]+|thang\s+\d{{1,2}}|nam\s+{_YEAR}|6\s+thang)(?:\s*[/-]\s*{_YEAR})?"
DEADLINE_PROSE = (
    re.compile(r"(?:thoi\s+(?:gian|han)|tien\s+do)(?:\s+(?:hoan\s+thanh|thuc\s+hien|trien\s+khai))?\s*:\s*"
               r"(?P<value>[^;.\n()]{2,80})"),
    re.compile(rf"(?P<value>(?:truoc|cham\s+nhat(?:\s+la)?|han\s+chot|xong\s+truoc|hoan\s+thanh\s+truoc)\s+"
               rf"(?:ngay\s*)?(?:{_DATE})(?:\s*(?:,|va)\s*(?:{_DATE}))*(?:\s+h[ao]ng\s+nam)?)(?![\d/])"),
    re.compile(rf"(?P<value>(?:truoc|cham\s+nhat|hoan\s+thanh\s+trong)\s+{_PERIOD}(?:\s*(?:,|va)\s*{_PERIOD})*)"),
    re.compile(r"(?P<value>dinh\s+ky\s+(?:vao\s+)?ngay\s+\d{1,2}\s+(?:cua\s+|hang\s+)?thang"
               r"(?:\s+cuoi\s+(?:quy|nam)|\s+\d{1,2})?)"),
    re.compile(r"(?:dinh\s+ky|bao\s+cao)\s+(?P<value>h[ao]ng\s+(?:quy|thang|tuan)(?:\s*,\s*6\s+thang)?"
               r"(?:\s*(?:,|va)\s*(?:h[ao]ng\s+)?nam)?)(?![a-z])"),
)
PRODUCT_PROSE = re.compile(r"san\s+pham(?:\s+(?:dau\s+ra|du\s+kien))?\s*:\s*(?P<value>[^;.\n()]{2,120})")
# "(Văn phòng Sở chủ trì, các phòng phối hợp; thời gian: Quý II/2025)": an assignment in parentheses.
PAREN_ASSIGNMENT = re.compile(
    r"\((?P<body>[^()]{3,240}?\s(?:chu\s+tri|thuc\s+hien|phu\s+trach)[^()]{0,200})\)")

# A table cell (or the end of a row of PDF text) that only states a time: "Thường xuyên", "Trong năm",
# "Quý II, III/2021", "Tháng 01/2021", "2026 - 2030", "Quí IV-2025", "Hằng năm".
_TIME_WORD = (r"thuong xuyen|lien tuc|trong nam|h[ao]ng (?:nam|quy|thang|tuan)|dinh ky|quy|qui|thang|nam|"
              r"tuan|ngay|truoc|trong|tu|den|dau|cuoi|giua|va|giai doan|hoan thanh")
_TIME_TOKEN = rf"(?:(?:{_TIME_WORD}|[ivx]{{1,4}}|\d{{1,4}})[\s,;./-]*)"
TIME_CELL = re.compile(_words(
    rf"{_TIME_TOKEN}*(?:thuong xuyen|lien tuc|trong nam|h[ao]ng nam|{_YEAR}|(?:quy|qui|thang) [ivx\d]+)"
    rf"[\s,;./-]*{_TIME_TOKEN}*"
))
# The first words of a deliverable ("Sản phẩm" column).
PRODUCT_START = re.compile(_words(
    r"(?:cac |\d+% )?(?:bao cao|ke hoach|quyet dinh|van ban|cong van|chuong trinh|de an|du an|he thong|"
    r"nen tang|ket qua|quy che|quy dinh|huong dan|tai lieu|co so du lieu|giai phap|bo tieu chi|to trinh|"
    r"thong bao|\d+%)"
))

# Column names of task tables, by what the column holds; the earliest name in a header cell decides.
COLUMN = re.compile(_words(
    r"(?<![a-z0-9])(?:"
    r"(?P<deadline>thoi (?:gian|han)(?: (?:thuc hien|hoan thanh|trien khai))?|"
    r"tien do(?: (?:thuc hien|hoan thanh))?|moc thoi gian|thoi diem(?: hoan thanh)?)"
    r"|(?P<partners>(?:(?:co quan|don vi|bo phan) )?phoi hop(?: thuc hien)?)"
    r"|(?P<lead>(?:(?:co quan|don vi|bo phan|phong) )?(?:chu tri(?: thuc hien)?|thuc hien|phu trach|dau moi)|"
    r"trach nhiem(?: (?:chinh|thuc hien))?)"
    r"|(?P<product>san pham(?: (?:dau ra|du kien|hoan thanh))?|ket qua(?: (?:dau ra|du kien))?)"
    r"|(?P<group>nhiem vu chung|linh vuc|nhom nhiem vu)"
    r"|(?P<content>(?:ten |noi dung )?nhiem vu(?: cu the| trong tam)?(?:,? (?:va )?giai phap)?|"
    r"noi dung(?: (?:cong viec|nhiem vu|thuc hien|hoat dong))?|giai phap|hoat dong|cong viec|ten de an)"
    r"|(?P<index>stt|tt|so tt|so thu tu)"
    r"|(?P<other>kinh phi|nguon (?:kinh phi|von)|ghi chu|du toan))(?![a-z0-9])"
))
COLUMN_KINDS = ("deadline", "partners", "lead", "product", "group", "content", "index", "other")
_NOUN_BEFORE = re.compile(r"(?:^|\s)(?:cac|nhung|moi)$")
_SPACES = re.compile(r"\s*")
_NAME_STOP = re.compile(r"[:;(]|\.(?:\s|$)|\s(?=[a-z])")


def fold_aligned(text: str) -> str:
    """The fold of `text` with one character per character, so offsets in one are offsets in the other."""
    return "".join((fold_char(c) or "\x00")[0] for c in text)


def unit_length(text: str) -> int:
    """Length of the unit name `text` starts with ("Văn phòng Sở" of "Văn phòng Sở chủ trì"), 0 if none."""
    # The name ends where the unit starts acting: a word of PREDICATE written in lower case, or ":", "(", ".",
    # ";" (unless a list of units goes on: "Ban Quản lý ...; các doanh nghiệp viễn thông").
    f = fold_aligned(text)
    m = UNIT_HEAD.match(f)
    if not m:
        return 0
    if " ".join(m.group("head").split()) in AMBIGUOUS and not m.group(0).startswith("cac"):
        nxt = re.compile(r"[\s,]*(\S?)").match(f, m.end())  # "Sở Y tế", "Sở, ban, ngành": not "sở hữu"
        if nxt.group(1) and not text[nxt.start(1)].isupper() and not UNIT_HEAD.match(f, nxt.start(1)):
            return 0
    end = len(f)
    pos = m.end()
    while s := _NAME_STOP.search(f, pos):
        pos = s.end()
        if s.group(0) == "(" and (close := f.find(")", s.end(), s.end() + 120)) > 0:
            pos = close + 1  # "các nhà mạng (Viettel, VNPT, MobiFone)": a parenthesis belongs to the name
            continue
        if s.group(0) == ";" and UNIT_HEAD.match(f, _SPACES.match(f, s.end()).end()):
            continue  # "Ban Quản lý ...; các doanh nghiệp viễn thông; UBND các xã": the list goes on
        verb = s.group(0).isspace() and PREDICATE.match(f, s.end()) and text[s.end()].islower()
        if s.group(0).isspace() and (not verb or _NOUN_BEFORE.search(f, 0, s.start())):
            continue  # "các tổ chức chính trị - xã hội": after "các" a verb's word is a noun
        end = s.start()
        break
    words = list(re.finditer(r"\S+", f[:end]))
    if len(words) > 90:  # a list of a dozen bodies is still one subject; a run-on sentence is not
        end = words[90].start()
    return len(re.sub(r"(?:[\s,;]|\s+va)+$", "", f[:end]))
