"""Header fields of real documents the reader was not written on (../shared/evals/wider), read as a user saves them."""

from __future__ import annotations

import pytest

from assistant.documents.pipeline import parse_document
from assistant.documents.read import read_file
from tests.conftest import ROOT

WIDER = ROOT.parent / "shared" / "evals" / "wider" / "docs"

# (file prefix, type, number, date, province, issuer, signer) as printed in each document.
EXPECTED = [
    ("w01", "Kế hoạch", "179/KH-UBND", "2025-11-18", "Đồng Nai", "Ủy ban nhân dân tỉnh Đồng Nai", "Võ Tấn Đức"),
    ("w02", "Kế hoạch", "552/KH-UBND", "2025-11-19", "Đồng Tháp", "Ủy ban nhân dân tỉnh Đồng Tháp", "Huỳnh Minh Tuấn"),
    ("w03", "Kế hoạch", "617/KH-UBND", "2025-12-01", "Đồng Tháp", "Ủy ban nhân dân tỉnh Đồng Tháp", "Huỳnh Minh Tuấn"),
    ("w04", "Kế hoạch", "157/KH-UBND", "2025-11-18", "Cần Thơ", "Ủy ban nhân dân thành phố Cần Thơ",
     "Nguyễn Thị Ngọc Điệp"),
    ("w05", "Kế hoạch", "310/KH-UBND", "2025-11-24", "Hà Nội", "Ủy ban nhân dân thành phố Hà Nội", "Trương Việt Dũng"),
    ("w06", "Kế hoạch", "987/KH-UBND", "2025-11-20", "Nghệ An", "Ủy ban nhân dân tỉnh Nghệ An", "Hoàng Phú Hiền"),
    ("w07", "Kế hoạch", "1026/KH-UBND", "2025-11-26", "Nghệ An", "Ủy ban nhân dân tỉnh Nghệ An", "Bùi Thanh An"),
    ("w08", "Kế hoạch", "0124/KH-UBND", "2025-11-18", "Đắk Lắk", "Ủy ban nhân dân tỉnh Đắk Lắk", "Đào Mỹ"),
    ("w09", "Quyết định", "3621/QĐ-BYT", "2025-11-24", None, "Bộ Y tế", "Vũ Mạnh Hà"),
]


@pytest.mark.skipif(not WIDER.is_dir(), reason="../shared/evals/wider is not beside this checkout")
@pytest.mark.parametrize(("prefix", "doc_type", "number", "date", "province", "issuer", "signer"), EXPECTED)
def test_header_fields_of_portal_documents(prefix, doc_type, number, date, province, issuer, signer) -> None:
    path = next(WIDER.glob(f"{prefix}_*"))
    document, _ = parse_document(read_file(path), restore_ocr=False)
    md = document.metadata
    assert (md.doc_type, md.number, md.issue_date, md.province, md.issuer, md.signer) == (
        doc_type, number, date, province, issuer, signer)
    titles = [s.title for s in document.sections]
    assert len(titles) >= 4 and "Nơi nhận:" in titles  # a section tree, not one "Phần đầu"
