"""Which places the indexed documents cover."""

from __future__ import annotations

from assistant.answer.coverage import known_places, unknown_place
from assistant.types import Document, Metadata


def _doc(text: str, province: str | None = None) -> Document:
    return Document("x.md", text, "0", "md", "utf-8", Metadata(province=province))


def test_a_place_named_only_in_the_text_is_known() -> None:
    # the header could not be read (no province in the metadata), the text still says where the plan applies
    known = known_places([_doc("Phát triển hạ tầng 5G trên địa bàn tỉnh Nghệ An giai đoạn 2026 - 2030")])
    assert unknown_place("Nghệ An phát triển 5G thế nào?", known) is None
    assert unknown_place("ke hoach 5G cua tinh Quang Binh", known) == "Quảng Bình"


def test_aliases_and_spellings_resolve_to_one_province() -> None:
    known = known_places([_doc("Kế hoạch", province="Hồ Chí Minh"), _doc("...", province="Thanh Hóa")])
    assert unknown_place("kế hoạch của TP HCM", known) is None
    assert unknown_place("Thanh Hoá có chỉ tiêu gì?", known) is None


def test_a_word_holding_a_place_name_is_not_that_place() -> None:
    known = known_places([_doc("quản lý thuế điện tử")])  # "thuế" folds to "thue", which holds "hue"
    assert "Huế" not in known
