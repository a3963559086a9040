from __future__ import annotations

from assistant.text.normalize import (
    VERSION,
    canonical_special,
    fold,
    has_diacritics,
    nfc,
    ocr_key,
    search_tokens,
    segment,
)


def test_version_is_recorded():
    assert isinstance(VERSION, int) and VERSION >= 1


def test_nfc_one_tone_convention():
    # "hoà"/"hòa" and "thuỷ"/"thủy" are both in use; the key must be one of them.
    assert nfc("Khánh Hoà") == nfc("Khánh Hòa") == "Khánh Hòa"
    assert nfc("thuỷ lợi") == "thủy lợi"
    assert nfc("hoàng") == "hoàng" and nfc("thuyết") == "thuyết" and nfc("quý") == "quý"
    # decomposed input (combining marks, as Windows-1258 produces) comes out composed
    assert nfc("Vie\u0302\u0323t") == "Việt"


def test_fold_drops_diacritics_and_d_bar():
    assert fold("Nghị định số 61/2018/NĐ-CP") == "nghi dinh so 61/2018/nd-cp"
    assert fold("Đơn vị") == "don vi"


def test_has_diacritics():
    assert has_diacritics("Sở Y tế tỉnh Hà Tĩnh")
    assert not has_diacritics("So Y te tinh Ha Tinh")


def test_ocr_key_absorbs_glyph_confusions():
    # digits and symbols that OCR produced for diacritised vowels, real corpus tokens
    assert ocr_key("s6") == ocr_key("số") == "so"
    assert ocr_key("1ap") == ocr_key("lập") == "lap"
    assert ocr_key("S¢") == ocr_key("Se")
    assert ocr_key("chirc") == ocr_key("chức") == "chuc"
    assert ocr_key("ciia") == ocr_key("của") == "cua"
    assert ocr_key("ctia") == "cua"
    assert ocr_key("Tw") == ocr_key("Tự") == "tu"
    assert ocr_key("HQI") == ocr_key("HỘI") == "hoi"
    # real numbers stay numbers
    assert ocr_key("2023") == "2023"


def test_special_tokens_survive_ocr_damage():
    assert canonical_special("61/2018/ND-CP") == canonical_special("61/2018/NĐ-CP") == "61/2018/nd-cp"
    assert canonical_special("06/Qb-TTg") == "06/qd-ttg"
    assert canonical_special("265 [KH-SYT") == "265/kh-syt"
    assert canonical_special("86 %") == "86%"


def test_search_tokens_match_with_and_without_diacritics():
    clean = set(search_tokens("Nghị định số 61/2018/NĐ-CP về thủ tục hành chính"))
    plain = set(search_tokens("nghi dinh so 61/2018/nd-cp ve thu tuc hanh chinh"))
    ocr = set(search_tokens("Nghi dinh s6 61/2018/ND-CP vé thu tuc hanh chinh"))
    assert {"61/2018/nd-cp", "61/2018", "thu_tuc", "hanh_chinh", "nghi_dinh"} <= clean
    assert {"61/2018/nd-cp", "thu_tuc", "hanh_chinh"} <= plain & ocr


def test_segment_keeps_symbols_dates_percentages_whole():
    words = segment("Theo Nghị định 61/2018/NĐ-CP ngày 23/4/2018, đạt 100% thủ tục hành chính")
    assert "61/2018/NĐ-CP" in words and "23/4/2018" in words and "100%" in words
    assert "thủ_tục" in words


def test_segment_without_diacritics_uses_dictionary():
    assert segment("thu tuc hanh chinh truc tuyen") == ["thu_tuc", "hanh_chinh", "truc_tuyen"]


def test_acronyms_and_spelled_out_terms_share_tokens():
    # Plans write "TTHC" and "thủ tục hành chính" interchangeably; questions use either.
    short, long = set(search_tokens("Tỷ lệ TTHC trực tuyến")), set(search_tokens("tỷ lệ thủ tục hành chính trực tuyến"))
    assert {"tthc", "thu", "tuc", "hanh", "chinh"} <= short & long
    assert "cchc" in search_tokens("cai cach hanh chinh") and "ubnd" not in search_tokens("uy ban")
