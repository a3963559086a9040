"""The signature block: signer, capacity, recipients."""

from __future__ import annotations

from assistant.documents.signature import read_signature

# A decision whose appendix forms carry signature blocks of their own (portal text, cells joined by " | ").
DECISION = """Điều 3. Chánh Văn phòng Bộ chịu trách nhiệm thi hành Quyết định này./.

Nơi nhận:
- Như Điều 3;
- Bộ trưởng (để báo cáo);
- Lưu: VT, YDCT. | KT. BỘ TRƯỞNG
THỨ TRƯỞNG THƯỜNG TRỰC
Vũ Mạnh Hà

PHỤ LỤC
BM.09
Nơi nhận:
- Như trên;
- Lưu. | CHỦ TỊCH HỘI ĐỒNG
Ký tên, đóng dấu
"""


def test_the_documents_own_block_comes_before_the_appendix_forms() -> None:
    block = read_signature(DECISION.split("\n"))
    assert block.signer == "Vũ Mạnh Hà"
    assert block.capacity.startswith("KT. BỘ TRƯỞNG / THỨ TRƯỞNG")
    assert block.recipients == "Như Điều 3; Bộ trưởng (để báo cáo); Lưu: VT, YDCT"


def test_two_column_plain_text_block() -> None:
    lines = ["Nơi nhận:                                  KT. GIÁM ĐỐC", "- UBND tỉnh (để báo cáo);       PHÓ GIÁM ĐỐC",
             "- Lưu: VT.", "", "                                            Trịnh Hữu Hùng"]
    block = read_signature(lines)
    assert (block.signer, block.capacity) == ("Trịnh Hữu Hùng", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")
    assert block.recipients == "UBND tỉnh (để báo cáo); Lưu: VT"
