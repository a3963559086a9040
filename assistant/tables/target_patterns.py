"""Word classes for quantitative targets: comparators, reform areas, count nouns, clause boundaries (folded text)."""

from __future__ import annotations

import re

# Every pattern runs over folded text (lower case, no diacritics); the restorer sometimes turns "đạt" into "đất"
# or "đã" and "tối thiểu" into "tới thiếu", which fold to "dat"/"da" and "toi thieu".
PERCENT_RE = re.compile(r"(?<![\d.,/])(\d{1,3}(?:[.,]\d{1,2})?)\s?%")
AMOUNT_RE = re.compile(
    r"(?<![\d.,/])(?:(\d{1,3}(?:[.,]\d{3})+)\s*(dong|vnd)|(\d+(?:[.,]\d+)?)\s*(trieu|ty(?!\s+le)|nghin|ngan)"
    r"(?:\s*(?:dong|vnd))?)(?![a-z])")
DEADLINE_RE = re.compile(
    r"(?:truoc|cham nhat(?: la)?|han chot|thoi han|xong truoc|hoan thanh truoc)\s+(?:ngay\s*)?"
    r"(?:(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)|(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+((?:19|20)\d\d))"
    r"(?!\d)")
# Nouns that count what a plan commits to ("60 biên chế", "11 cơ quan", "03 sáng kiến").
COUNT_NOUNS = (
    "bien che", "co quan", "don vi", "sang kien", "giai phap", "thu tuc", "tthc", "ho so", "lop", "cuoc", "dot",
    "nguoi", "luot", "can bo", "cong chuc", "vien chuc", "phong", "khoa", "benh vien", "trung tam", "tram",
    "van ban", "nhiem vu", "chi tieu", "dich vu", "tin bai", "bai viet", "chuyen de", "hoi nghi", "buoi",
    "cuoc kiem tra", "mo hinh", "de tai", "co so", "xa", "huyen",
)
# "11 (tỷ lệ 33,3%) cơ quan": a parenthesis may sit between the number and its noun.
COUNT_RE = re.compile(
    rf"(?<![\d.,/:\w-])(\d{{1,4}})\s+(?:\([^)\n]{{0,30}}\)\s*)?({'|'.join(COUNT_NOUNS)})(?![a-z])")
# Words right before a number that make it a date, a legal citation or a heading, not a count; OCR prints the
# "lệ" of "tỷ lệ" as "18" or "1€", so a number right after "tỷ" is a word.
NOT_COUNT_BEFORE = re.compile(
    r"(?:ty|ngay|thang|nam|quy|so|dieu|khoan|diem|muc|chuong|phu luc|giai doan|nhom|lan thu|khoa|tu|den|"
    r"dinh|thong tu|quyet dinh|ke hoach|chi thi|cong van|nghi quyet|\d)\s*$")
COUNT_LEAD = re.compile(r"(?:toi thieu|it nhat|tren|duoi|khong qua|giam|tang|dat|co|gom|tai|cho|voi)\s*$")

# (canonical comparator, folded pattern right before the value); OCR spellings of "tối thiểu" included.
COMPARATORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rf"(?:^|[^a-z])(?:{rx})[\s,:]*(?:(?:muc|ty le|la|tuong ung la|co)\s+)*$"))
    for name, rx in (
        ("tối thiểu", r"t[o0d6]?i thi[eu]{0,2}u|toi thieu"),
        ("ít nhất", r"it nhat"),
        ("không quá", r"khong (?:vuot )?qua"),
        ("dưới", r"duoi"),
        ("trên", r"tren"),
        ("từ … trở lên", r"tu"),
        ("giảm", r"(?:cat )?giam(?: binh quan)?(?: khoang)?"),
        ("tăng", r"tang(?: binh quan)?(?: khoang)?"),
        ("đạt", r"dat|da|o muc|dat muc|bang"),
    )
)
AT_LEAST_AFTER = re.compile(r"\s*(?:tro|trd|tr[o0])\s+l[eéê1]n")  # "trở lên" as OCR prints it: "trd 1én"

# Reform areas, most specific first: a section title or statement naming one of these words belongs to it.
AREAS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("hài lòng", r"hai long|sipas|su thoa man"),
    ("thể chế", r"the che|quy pham phap luat|qppl|phap che"),
    ("TTHC", r"thu tuc hanh chinh|tthc|mot cua|dich vu cong"),
    ("tổ chức bộ máy", r"to chuc bo may|bo may|bien che|sap xep"),
    ("công vụ", r"cong vu|cong chuc|vien chuc|can bo"),
    ("tài chính công", r"tai chinh cong|tu chu|ngan sach|tai san cong|kinh phi|chi phi hanh chinh"),
    ("chính quyền điện tử/số", r"chinh (?:quyen|phu) (?:dien tu|so)|chuyen doi so|so hoa|dien tu|truc tuyen|"
                               r"moi truong (?:so|mang)|ky so|du lieu"),
    ("chỉ đạo điều hành", r"chi dao|dieu hanh|tuyen truyen|kiem tra|ke hoach cchc"),
))

# Where a statement starts: a bullet, a numbered line, or a new paragraph-level item; and where a clause ends.
STATEMENT_START = re.compile(r"\n[ \t]*(?:[-+•*–]|\d+(?:\.\d+)*[.)]|[a-zđ][.)]|[ivx]+\.)\s")
CLAUSE_BREAK = re.compile(r";|:(?=\s)|\.(?=\s)|\(\d{1,2}\)|\btrong (?:so )?do\b,?")
# Words a subject after the value never starts with: an adjunct or the second half of a range.
NOT_SUBJECT_START = re.compile(
    r"(?:theo|tai|so voi|trong|vao|hoac|va|den|toi|-|–|tro len|tro|\)|,|moi|hang|/|tren tong)(?![a-z])")
RANGE_AFTER = re.compile(r"\s*(?:-|–|den|toi)\s*\d{1,3}(?:[.,]\d{1,2})?\s?%")
PAREN_CLOSE = re.compile(r"\s*\)")
# A subject written before the value ends at its verb: "Mức độ hài lòng ... đạt tối thiểu 86 %".
VERB_BEFORE = re.compile(r"(?:^|\s)(?:dat|da|o muc|dat muc|la|bang|chiem)(?=\s)")
LEAD_WORDS = re.compile(r"^(?:[-+•*–\s]+|phan dau|phau dau|phin dau|dam bao|bao dam|tiep tuc|duy tri|"
                        r"nham|thuc hien|\w\)|\(\d+\)|,)+\s*")
TRAIL_WORDS = re.compile(r"(?:\s+|,|\b(?:voi|ty le|muc|tu|la|tuong ung|dat|da|o|tren|duoi|toi thieu|it nhat|"
                         r"khong qua|khoang|binh quan|giam|cat giam|tang|nam \d{4}))+$")
YEAR_RANGE = re.compile(r"giai doan\s+((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)|"
                        r"(?:den|trong|dau|cuoi|truoc)?\s*nam\s+((?:19|20)\d\d)")
BASELINE = re.compile(r"so voi\s*(?:nam|giai doan|cung ky)?\s*$")  # "so với năm 2025" is the baseline
MAX_SUBJECT_WORDS = 24
# Adjuncts that end a subject written after the value: the baseline, the year, the plan it follows.
SUBJECT_STOP = re.compile(r"\s(?:so voi|trong nam|theo)\s")
