"""Encoding detection: Unicode forms, legacy Vietnamese 8-bit encodings, and the files that must be refused."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import IngestError
from assistant.text.charmaps import decode_cp1258, decode_tcvn3, decode_vni
from assistant.text.encodings import (
    decode_bytes,
    encode_cp1258,
    encode_tcvn3,
    encode_vni,
    is_vietnamese_syllable,
    vietnamese_score,
)

# corpus/001 (clean Markdown), with its all-caps headings.
EXCERPT_001 = """## KẾ HOẠCH

**Thực hiện các giải pháp khắc phục những hạn chế, thiếu sót và duy trì, phát huy kết quả đã đạt được từ \
kết quả CCHC năm 2023 và triển khai các giải pháp cải thiện và nâng cao Chỉ số PARI, SIPAS, PCI, PAPI trong năm 2024**

Căn cứ Quyết định số 91/QĐ-UBND ngày 11/01/2024 của UBND tỉnh Khánh Hòa về việc phê duyệt và công bố Chỉ số và \
xếp hạng kết quả cải cách hành chính (CCHC) năm 2023. Sở Y tế xây dựng Kế hoạch thực hiện các giải pháp khắc phục \
những hạn chế, thiếu sót với các nội dung cụ thể như sau:

### I. MỤC ĐÍCH

- Xây dựng các biện pháp, giải pháp khắc phục những tồn tại, thiếu sót từ kết quả CCHC năm 2023.
"""

# corpus/004 (PDF-extracted text, trailing spaces trimmed): letterhead with an en dash and capitals such as "SỞ", "Ứng".
EXCERPT_004_HEAD = """UBND TỈNH THANH HÓA

SỞ Y TẾ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM

Độc lập – Tự do – Hạnh phúc

Số:               /KH-SYT Thanh Hóa, ngày        tháng 12  năm 2020

KẾ HOẠCH

Cải cách hành chính năm 2021 của Sở Y tế Thanh Hóa
"""
EXCERPT_004_BODY = """Thực hiện Kế hoạch cải cách hành chính năm 2021 ban hành kèm theo
Quyết định số 5476/QĐ-UBND ngày 24/12/2020 của UBND tỉnh Thanh Hóa;
Chỉ thị số 08/CT-BYT ngày 26/8/2014 về đẩy mạnh công tác cải cách hành
chính trong lĩnh vực y tế; tăng cường thực hiện dịch vụ công trực tuyến tại Cổng dịch vụ công và
3. Ứng dụng CNTT trong quản lý cán bộ,
I. MỤC ĐÍCH, YÊU CẦU
"""
EXCERPTS = {"001": EXCERPT_001, "004": EXCERPT_004_HEAD + EXCERPT_004_BODY}

FIXTURES = {
    "utf-8": (lambda t: t.encode("utf-8"), "utf-8"),
    "utf-8-sig": (lambda t: t.encode("utf-8-sig"), "utf-8-sig"),
    "utf-16-le-bom": (lambda t: b"\xff\xfe" + t.encode("utf-16-le"), "utf-16"),
    "utf-16-be-bom": (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16"),
    "utf-16-be": (lambda t: t.encode("utf-16-be"), "utf-16"),
    "utf-16-le": (lambda t: t.encode("utf-16-le"), "utf-16"),
    # Python's cp1258 codec only takes letters the code page holds: ấ must go in as â + combining acute.
    "cp1258": (encode_cp1258, "cp1258"),
    "vni": (encode_vni, "vni"),
}


@pytest.mark.parametrize("doc", sorted(EXCERPTS))
@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_round_trip_is_detected_and_exact(doc: str, fixture: str) -> None:
    encode, expected = FIXTURES[fixture]
    text = EXCERPTS[doc]
    decoded, name = decode_bytes(encode(text))
    assert name == expected
    assert decoded == unicodedata.normalize("NFC", text)


def test_cp1258_fixture_really_holds_combining_tone_marks() -> None:
    data = encode_cp1258("Kế hoạch cải cách")
    assert b"\xec" in data and b"\xf2" in data  # combining acute and dot below: ế = ê + U+0301, ạ = a + U+0323
    assert decode_bytes(data) == ("Kế hoạch cải cách", "cp1258")


@pytest.mark.parametrize("text", [EXCERPT_001, EXCERPT_004_BODY])
def test_tcvn3_with_vn1_capitals_round_trips_exactly(text: str) -> None:
    assert decode_bytes(encode_tcvn3(text, vn1_capitals=True)) == (text, "tcvn3")


def test_tcvn3_vntimeh_capitals_are_restored_where_the_case_is_certain() -> None:
    # Plain TCVN3 has no toned capitals: "KẾ HOẠCH" is stored as "KÕ HO¹CH" (lowercase codes, capitals font).
    text = EXCERPT_001 + EXCERPT_004_HEAD
    data = encode_tcvn3(text)
    assert b"K\xd5 HO\xb9CH" in data
    decoded, name = decode_bytes(data)
    assert name == "tcvn3"
    assert decoded.casefold() == text.casefold()
    lines = decoded.splitlines()
    for heading in ("## KẾ HOẠCH", "### I. MỤC ĐÍCH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "UBND TỈNH THANH HÓA"):
        assert heading in lines
    assert "Số:               /KH-SYT Thanh Hóa, ngày        tháng 12  năm 2020" in lines  # not "SỐ:"
    # Documented loss: a line of one-capital words cannot be told from sentence case, so it stays as coded.
    assert "Sở Y Tế" in lines


def test_legacy_tables_match_the_reference_codes() -> None:
    assert encode_tcvn3("Việt Nam đường") == b"Vi\xd6t Nam \xae\xad\xeang"
    assert encode_tcvn3("Ă Â Ê Ô Ơ Ư Đ") == bytes([0xA1, 0x20, 0xA2, 0x20, 0xA3, 0x20, 0xA4, 0x20, 0xA5, 0x20, 0xA6,
                                                   0x20, 0xA7])
    assert encode_tcvn3("Ứng", vn1_capitals=True) == b"\x11ng"
    assert encode_vni("Việt Nam đường") == "Vieät Nam ñöôøng".encode("latin-1")
    assert encode_vni("ỵ Ỵ ỉ Ĩ ặ Ớ") == "î Î æ Ó aë ÔÙ".encode("latin-1")
    assert decode_vni("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam".encode("latin-1")) == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert decode_tcvn3("Céng hßa x· héi chñ nghÜa ViÖt Nam".encode("latin-1")) == "Cộng hòa xã hội chủ nghĩa Việt Nam"


def test_windows_quotes_in_tcvn3_stay_quotes() -> None:
    text = "• “Kế hoạch” – cải cách hành chính… ‘Ủy ban’"
    assert decode_bytes(encode_tcvn3(text)) == (text.replace("Ủ", "ủ"), "tcvn3")  # "Ủ" has no VN3 code


def test_empty_file_is_rejected() -> None:
    with pytest.raises(IngestError, match="empty file"):
        decode_bytes(b"")
    with pytest.raises(IngestError, match="empty file"):
        decode_bytes(b"\xef\xbb\xbf")


def test_binary_blob_is_rejected() -> None:
    rng = random.Random(7)
    blob = bytes(rng.randrange(256) for _ in range(4096))
    with pytest.raises(IngestError, match="binary file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n" + blob)
    no_nul = bytes(rng.randrange(1, 256) for _ in range(4096))  # control bytes alone also mark a binary file
    with pytest.raises(IngestError, match="binary file"):
        decode_bytes(no_nul)


# French and German in Latin-1 are refused, not misread: none of their accented words is a Vietnamese syllable
# in any of Windows-1258, TCVN3 or VNI ("été", "für" and their TCVN3/VNI readings all fail the syllable check).
LATIN1_TEXTS = [
    "Le ministère de la Santé a publié hier un rapport détaillé sur l'état des hôpitaux français. Selon ce "
    "document, près de la moitié des établissements doivent être rénovés, a déclaré la ministre.",
    "Die Gesundheitsbehörde hat für das nächste Jahr größere Änderungen angekündigt. Über die Hälfte der "
    "Krankenhäuser müssen ihre Verwaltungsabläufe überprüfen.",
]


@pytest.mark.parametrize("text", LATIN1_TEXTS)
def test_latin1_european_text_is_rejected_not_misdetected(text: str) -> None:
    with pytest.raises(IngestError, match="no legacy Vietnamese encoding") as info:
        decode_bytes(text.encode("latin-1"))
    assert "save it as UTF-8" in str(info.value)


def test_file_mixing_tcvn3_and_vni_is_reported_as_unidentified() -> None:
    # Each half reads right in one encoding only, so no reading is clearly Vietnamese.
    data = encode_tcvn3(EXCERPT_001) + b"\n" + encode_vni(EXCERPT_001)
    with pytest.raises(IngestError, match="looks like a legacy 8-bit Vietnamese encoding but could not be identified"):
        decode_bytes(data)


# corpus/000 (OCR output): most accents are lost or turned into look-alike symbols, yet the file is Vietnamese.
EXCERPT_000_OCR = """Thue hién Ké hoach s6 2629/KH-UBND ngay 23/12/2022 ctia UBND
tinh vé cai cach hanh chinh tinh Ha Tinh nim 2023, S¢ Y té ban hanh K¢é
hoach cai cach hanh chinh (CCHC) nam 2023 v61 cac nd1 dung nhu sau:
- Tiép tuc cu thé hoa cac nodi dung, trién khai Chwong trinh téng thé
CCHC nha nudc giai doan 2021-2023; Nghi quyét s 12-NQ/TU ngay
26/5/2022 ctia Ban Chap hanh Pang bo tinh vé diy manh cai cach hanh chinh,
nang cao hi¢u luc, hi¢u qua hoat dong cua chinh quyén cac cép giai doan 2022-
2025, dinh hudéng dén nim 2030 (sau ddy goi 1a Nghi quyét sé 12-NQ/TU);
Quyét dinh s6 2454/QD-UBND ngay 04/12/2022 ciia UBND tinh vé phé duyét
"""


@pytest.mark.parametrize(("encode", "expected"), [(encode_cp1258, "cp1258"), (encode_vni, "vni")])
def test_ocr_damaged_text_in_a_legacy_encoding_is_still_decoded(encode, expected) -> None:
    assert decode_bytes(encode(EXCERPT_000_OCR)) == (EXCERPT_000_OCR, expected)


def test_utf8_with_one_corrupt_byte_is_still_utf8() -> None:
    data = EXCERPT_001.encode("utf-8")
    cut = data.index("thiếu".encode())
    decoded, name = decode_bytes(data[:cut] + b"\xff" + data[cut:])
    assert name == "utf-8" and decoded.count("\ufffd") == 1


def test_windows_punctuation_only_is_cp1258() -> None:
    assert decode_bytes(b"\x93Ke hoach\x94 \x96 nam 2024") == ("“Ke hoach” – nam 2024", "cp1258")


def test_syllable_check() -> None:
    words = re.findall(r"[^\W\d_]+", EXCERPT_001)
    viet = [w for w in words if not w.isascii() and w != "QĐ"]  # QĐ: the abbreviation of Quyết định
    assert all(is_vietnamese_syllable(w) for w in viet), [w for w in viet if not is_vietnamese_syllable(w)]
    for wrong in ("ho¹ch", "caùc", "été", "für", "càt", "nghóa", "kếế"):
        assert not is_vietnamese_syllable(wrong)


def test_score_separates_right_and_wrong_readings() -> None:
    text = EXCERPTS["004"]
    assert vietnamese_score(text)[0] > 0.95
    for wrong in (decode_cp1258(encode_vni(text)), decode_vni(encode_tcvn3(text)),
                  decode_tcvn3(encode_cp1258(text))):
        assert vietnamese_score(wrong)[0] < 0.4


_LETTERS = sorted(
    {unicodedata.normalize("NFC", b + t) for b in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY" for t in ("", "\u0300", "\u0301",
                                                                                          "\u0303", "\u0309", "\u0323")}
    | set("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX .,")
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_LETTERS, max_size=60))
def test_legacy_codecs_round_trip_any_vietnamese_text(text: str) -> None:
    assert decode_vni(encode_vni(text)) == text
    assert decode_cp1258(encode_cp1258(text)) == text
    assert decode_tcvn3(encode_tcvn3(text, vn1_capitals=True), vn1=True) == text
