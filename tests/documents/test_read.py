from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.markup import clean_reading
from assistant.documents.read import read_corpus, read_file
from assistant.errors import CorpusError, IngestError
from tests.conftest import CORPUS

PARAGRAPH = "Sở Y tế xây dựng Kế hoạch cải cách hành chính năm 2024 với các nội dung cụ thể như sau: 100% hồ sơ TTHC được giải quyết đúng hạn."


def _text_pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text layer (ASCII, Helvetica)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _blank_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    with path.open("wb") as f:
        writer.write(f)


def _docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("KẾ HOẠCH")
    d.add_paragraph("Cải cách hành chính năm 2024 của Sở Y tế")
    table = d.add_table(rows=2, cols=3)
    for i, cell in enumerate(["Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"]):
        table.rows[0].cells[i].text = cell
    for i, cell in enumerate(["Rà soát văn bản QPPL", "Văn phòng Sở", "Trong năm"]):
        table.rows[1].cells[i].text = cell
    d.add_paragraph("Nơi nhận:")
    d.save(str(path))


@pytest.fixture()
def messy_folder(tmp_path: Path) -> Path:
    from assistant.text.encodings import encode_tcvn3

    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    _blank_pdf(tmp_path / "scanned.pdf")
    (tmp_path / "tcvn3.txt").write_bytes(encode_tcvn3(PARAGRAPH))
    (tmp_path / "good.md").write_text("# KẾ HOẠCH\n\n" + PARAGRAPH, encoding="utf-8")
    (tmp_path / "text.pdf").write_bytes(_text_pdf("Ke hoach cai cach hanh chinh nam 2024 cua So Y te"))
    _docx(tmp_path / "plan.docx")
    (tmp_path / "notes.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "moved.txt").symlink_to(tmp_path / "gone.txt")  # a link whose target was deleted
    return tmp_path


def test_messy_folder_reports_each_bad_file_and_ingests_the_rest(messy_folder):
    texts, skipped = read_corpus(messy_folder)
    reasons = {s.source: s.reason for s in skipped}
    assert "not a readable PDF" in reasons["broken.pdf"]
    assert "empty file" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"].lower()
    assert "needs OCR" in reasons["scanned.pdf"]
    assert "unsupported file type" in reasons["notes.xlsx"]
    assert "broken link" in reasons["moved.txt"]
    assert all(reason.startswith(f"{source}: ") for source, reason in reasons.items())  # each names its file
    by_source = {t.source: t for t in texts}
    assert set(by_source) == {"tcvn3.txt", "good.md", "text.pdf", "plan.docx"}
    assert by_source["tcvn3.txt"].text.strip() == PARAGRAPH and by_source["tcvn3.txt"].encoding == "tcvn3"
    assert "Ke hoach cai cach" in by_source["text.pdf"].text
    # a .docx table is written as portal text writes tables; its clean reading has one row a line
    assert "Rà soát văn bản QPPL | Văn phòng Sở | Trong năm" in clean_reading(by_source["plan.docx"].text).text


def test_txt_offsets_are_the_files_own_text():
    path = next(CORPUS.glob("000_*"))
    raw = read_file(path)
    assert raw.text == path.read_text(encoding="utf-8")
    assert raw.encoding == "utf-8"


def test_missing_folder_and_single_bad_file():
    with pytest.raises(CorpusError):
        read_corpus(Path("/nonexistent/corpus"))
    with pytest.raises(IngestError, match="unsupported"):
        read_file(Path(__file__))


def test_utf16_file(tmp_path):
    (tmp_path / "u16.txt").write_bytes(PARAGRAPH.encode("utf-16"))
    raw = read_file(tmp_path / "u16.txt")
    assert raw.text == PARAGRAPH and raw.encoding.startswith("utf-16")
