"""The one date grammar."""

from __future__ import annotations

from assistant.text.dates import find_dates, iso_date, parse_date_at, vn_date
from assistant.text.fold import fold


def test_dates_as_written() -> None:
    text = fold("Hà Tĩnh, ngày 05 tháng 01 năm 2023; Nghị định ngày 23/12/2022, hạn 31-12-2025, ngay06 thang 02, nam 2023")
    assert [d for d, _, _ in find_dates(text)] == ["2023-01-05", "2022-12-23", "2025-12-31", "2023-02-06"]


def test_parse_at_a_position_and_impossible_dates() -> None:
    f = fold("ban hành ngày 31/3/2022 của")
    iso, end = parse_date_at(f, f.index("ngay"))
    assert iso == "2022-03-31" and f[end:].startswith(" cua")
    assert iso_date(2023, 2, 30) is None and find_dates("ngay 30/02/2023") == []


def test_vn_date() -> None:
    assert vn_date("2020-12-24") == "24/12/2020" and vn_date("2024-05") == "05/2024"
