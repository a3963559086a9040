from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from assistant.documents.markup import clean_reading
from assistant.documents.read import read_corpus, read_file
from assistant.errors import CorpusError, IngestError
from tests.conftest import CORPUS, ROOT

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
    assert "OCR found no text" in reasons["scanned.pdf"]  # a blank scanned page
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


def test_links_pipes_sockets_and_folders_named_like_files_are_skipped_with_reasons(tmp_path):
    import socket

    from assistant.documents.read import fingerprint

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(PARAGRAPH, encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "inner.md").write_text(PARAGRAPH, encoding="utf-8")
    (corpus / "alias.txt").symlink_to("plan.txt")  # a link inside the folder is an ordinary file
    (corpus / "loop.txt").symlink_to("loop.txt")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (tmp_path / "secret.txt").write_text(PARAGRAPH, encoding="utf-8")
    (corpus / "up.txt").symlink_to("../secret.txt")
    (corpus / "linked").symlink_to(tmp_path)  # never walked: it leads out of the folder and back in
    os.mkfifo(corpus / "pipe.txt")  # opening it for reading used to wait for a writer forever
    (corpus / "folder.txt").mkdir()
    (corpus / "folder.txt" / "nested.txt").write_text(PARAGRAPH, encoding="utf-8")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(corpus / "socket.md"))
    texts, skipped = read_corpus(corpus)
    reasons = {s.source: s.reason for s in skipped}
    assert sorted(t.source for t in texts) == ["alias.txt", "folder.txt/nested.txt", "plan.txt",
                                               "sub/inner.md"]
    assert reasons == {
        "folder.txt": "folder.txt: is a folder, not a file",
        "linked": f"linked: link to {tmp_path}, outside the corpus folder; not read",
        "loop.txt": "loop.txt: symbolic link loop",
        "passwd.txt": "passwd.txt: link to /etc/passwd, outside the corpus folder; not read",
        "pipe.txt": "pipe.txt: a named pipe (FIFO), not a regular file",
        "socket.md": "socket.md: a socket, not a regular file",
        "up.txt": f"up.txt: link to {tmp_path / 'secret.txt'}, outside the corpus folder; not read",
    }
    # the index's staleness check reads the folder the same way: hashes of what is read, reasons for the rest
    prints = fingerprint(corpus)
    assert {k for k, v in prints.items() if v.startswith("skipped: ")} == set(reasons)
    assert prints["plan.txt"] == prints["alias.txt"] == hashlib.sha256(PARAGRAPH.encode()).hexdigest()


def test_size_budget_and_truncated_docx(tmp_path):
    (tmp_path / "big.txt").write_text(PARAGRAPH * 1000, encoding="utf-8")  # 0.16 MB
    _docx(tmp_path / "whole.docx")
    data = (tmp_path / "whole.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])  # a copy interrupted halfway
    texts, skipped = read_corpus(tmp_path, max_bytes=100_000)
    reasons = {s.source: s.reason for s in skipped}
    assert [t.source for t in texts] == ["whole.docx"]
    assert reasons["big.txt"].startswith("big.txt: file too large")
    assert "ASSISTANT_MAX_FILE_MB" in reasons["big.txt"]
    assert reasons["cut.docx"] == "cut.docx: damaged or truncated .docx (not a complete ZIP package)"
    assert [t.source for t in read_corpus(tmp_path)[0]] == ["big.txt", "whole.docx"]  # default budget: 5 MB


def test_an_unreadable_file_is_skipped_not_fatal(tmp_path):
    # Read as an unprivileged user (root reads a chmod 000 file): the other file is read, this one reported.
    corpus = Path(tempfile.mkdtemp(prefix="unreadable-"))
    try:
        corpus.chmod(0o755)
        (corpus / "plan.txt").write_text(PARAGRAPH, encoding="utf-8")
        (corpus / "locked.txt").write_text(PARAGRAPH, encoding="utf-8")
        (corpus / "locked.txt").chmod(0)
        script = ("import json, sys; from pathlib import Path; "
                  "from assistant.documents.read import fingerprint, read_corpus; "
                  "t, s = read_corpus(Path(sys.argv[1])); f = fingerprint(Path(sys.argv[1])); "
                  "print(json.dumps([[x.source for x in t], [x.reason for x in s], f['locked.txt']]))")
        command = [sys.executable, "-c", script, str(corpus)]
        if os.geteuid() == 0:
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv: cannot drop the privilege to read")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        out = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert out.returncode == 0, out.stderr
        texts, reasons, print_ = json.loads(out.stdout)
        assert texts == ["plan.txt"]
        assert reasons == ["locked.txt: permission denied, the file cannot be read"]
        assert print_ == "skipped: locked.txt: permission denied, the file cannot be read"
    finally:
        shutil.rmtree(corpus, ignore_errors=True)
