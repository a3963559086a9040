"""Provinces before and after the 1 July 2025 merger."""

from __future__ import annotations

from assistant.text.fold import fold
from assistant.text.places import (
    PROVINCES_2025,
    PROVINCES_BEFORE,
    detect_province,
    locality,
    merged_into,
    province_of,
    provinces_named,
)


def test_both_lists_and_the_mergers() -> None:
    assert len(PROVINCES_2025) == 34
    assert len(set(PROVINCES_BEFORE) - {"Huế"}) == 63  # "Thừa Thiên Huế" became the city of Huế
    assert merged_into("Kon Tum") == "Quảng Ngãi" and merged_into("Hà Tĩnh") == "Hà Tĩnh"
    assert merged_into("Bà Rịa - Vũng Tàu") == "Hồ Chí Minh" and merged_into("Thừa Thiên Huế") == "Huế"


def test_names_as_written() -> None:
    assert province_of("kontum") == "Kon Tum" and province_of("dak lak") == "Đắk Lắk"
    assert province_of("tp hcm") == "Hồ Chí Minh"
    assert locality("Cần Thơ") == "thành phố Cần Thơ" and locality("Nghệ An") == "tỉnh Nghệ An"
    assert provinces_named(fold("Sở Y tế tỉnh Hà Tĩnh phối hợp với tỉnh Quảng Bình")) == ["Hà Tĩnh", "Quảng Bình"]


def test_province_from_the_place_date_line() -> None:
    assert detect_province(fold("UBND TỈNH\nSố: 12/KH-UBND\nĐồng Tháp, ngày 19 tháng 11 năm 2025")) == "Đồng Tháp"
    assert detect_province(fold("SO Y TE TINHKON TUM")) == "Kon Tum"  # OCR glues words
