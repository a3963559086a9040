"""A small in-memory engine with the real engine's attributes, over real corpus excerpts, for API tests."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

from assistant.legal.citations import ReferenceIndex
from assistant.restore.restorer import Restoration, to_restored_span, unsure_words
from assistant.search.query import years_covered
from assistant.tables.targets import targets_table
from assistant.tables.tasks import tasks_table
from assistant.text.fold import fold
from assistant.types import Answer, Chunk, Citation, Document, Metadata, Passage, Section

# (OCR line, restored reading) with the same number of whitespace tokens: excerpt of corpus/000 (Hà Tĩnh, 2023).
OCR_LINES = [
    ("UBND TINH HA TINH", "UBND TỈNH HÀ TĨNH"),
    ("SO Y TE", "SỞ Y TẾ"),
    ("KE HOACH", "KẾ HOẠCH"),
    ("Cai cach hanh chinh nim 2023 cia S¢ Y té", "Cải cách hành chính năm 2023 của Sở Y tế"),
    ("", ""),
    ("I. MUC TIEU.", "I. MỤC TIÊU."),
    ("", ""),
    ("- Tiép tuc trién khai thyc hién s6 hoa két qua giai quyet thu tuc hanh chinh",
     "- Tiếp tục triển khai thực hiện số hóa kết quả giải quyết thủ tục hành chính"),
    ("(TTHC) thudc tham quyen giai quyét cua SO dat ty 18 tdi thiéu 70% sd hd so tlep",
     "(TTHC) thuộc thẩm quyền giải quyết của Sở đạt tỷ lệ tối thiểu 70% số hồ sơ tiếp"),
    ("nhan; 100% TTHC du diéu kién duoc thue hién dich vu cong (DVC) truc tuyen",
     "nhận; 100% TTHC đủ điều kiện được thực hiện dịch vụ công (DVC) trực tuyến"),
    ("toan trinh.", "toàn trình."),
    ("", ""),
    ("Nguyén Minh Dirc", "Nguyễn Minh Đức"),
]

# Excerpt of corpus/001 (Khánh Hòa, 2024), clean Markdown.
CLEAN_TEXT = """Số: /KH-SYT

Khánh Hòa, ngày tháng 5 năm 2024

## KẾ HOẠCH

### I. MỤC ĐÍCH

- Xây dựng các giải pháp cải thiện và nâng cao các Chỉ số PARI, SIPAS, PCI, PAPI
- Xây dựng các biện pháp, giải pháp khắc phục những tồn tại, thiếu sót từ kết quả CCHC năm 2023.

### II. NỘI DUNG

#### 1. Công tác tuyên truyền, phổ biến

- Tuyên truyền phổ biến đến toàn thể cán bộ công chức, viên chức và người lao động các nội dung về cải cách \
hành chính, kiểm soát thủ tục hành chính, đơn giản hóa thủ tục hành chính, Chỉ số PARI, SIPAS, PCI, PAPI của tỉnh \
Khánh Hòa.

- 100% cán bộ, công chức chấp hành nghiêm kỷ luật, kỷ cương hành chính và báo cáo kết quả thực hiện các nội dung, \
nhiệm vụ được giao tại Kế hoạch số 10316/KH-UBND ngày 22/12/2016 của UBND tỉnh; Chỉ thị số 06/CT-UBND ngày 21/4/2020 \
của Chủ tịch UBND tỉnh.
"""

# OCR tokens the double's restoration marks unsure, as the restorer marks a token read with a small margin.
UNSURE_OCR = frozenset({"18", "nhan;"})

OCR_SOURCE = "000_ha_tinh.txt"
CLEAN_SOURCE = "001_khanh_hoa.md"


def aligned_restoration(pairs: list[tuple[str, str]], unsure: frozenset[str] = frozenset()) -> tuple[str, Restoration]:
    """The OCR text and a Restoration mapping each of its tokens to the restored token; OCR tokens in `unsure`
    are marked unsure."""
    original, restored, tokens, marked = [], [], [], []
    o_pos = r_pos = 0
    for o_line, r_line in pairs:
        o_toks, r_toks = o_line.split(" ") if o_line else [], r_line.split(" ") if r_line else []
        assert len(o_toks) == len(r_toks), (o_line, r_line)
        for o_tok, r_tok in zip(o_toks, r_toks, strict=True):
            if o_tok in unsure:
                marked.append(len(tokens))
            tokens.append((o_pos, o_pos + len(o_tok), r_pos, r_pos + len(r_tok)))
            o_pos += len(o_tok) + 1
            r_pos += len(r_tok) + 1
        # Each line ends with one newline in both texts; the last token's +1 above already counted a separator.
        o_pos += 0 if o_toks else 1
        r_pos += 0 if r_toks else 1
        original.append(o_line)
        restored.append(r_line)
    return "\n".join(original) + "\n", Restoration("\n".join(restored) + "\n", tuple(tokens), tuple(marked))


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    return [(mt.start(), mt.end()) for mt in re.finditer(r"\S(?:.|\n(?!\n))*", text)]


def _section(text: str, title: str, end: int | None = None, children: tuple[Section, ...] = ()) -> Section:
    start = text.index(title)
    return Section(title, 1 if not title.startswith("1.") else 2, start, end if end is not None else len(text), children)


def make_documents() -> tuple[dict[str, Document], dict[str, Restoration]]:
    """The two excerpt documents and the OCR one's restoration."""
    ocr_text, restoration = aligned_restoration(OCR_LINES, UNSURE_OCR)
    ocr = Document(
        OCR_SOURCE, ocr_text, "x" * 64, "txt", "utf-8",
        Metadata(issuer="Sở Y tế tỉnh Hà Tĩnh", parent="UBND tỉnh Hà Tĩnh", province="Hà Tĩnh", number="35/KH-SYT",
                 issue_date="2023-01-05", period="2023", title="Cải cách hành chính năm 2023 của Sở Y tế",
                 doc_type="Kế hoạch", signer="Nguyén Minh Dirc"),  # the signer as written (pipeline.readable_metadata)
        # As the pipeline gives an OCR plan's sections: the title restored, the OCR heading at its start.
        (replace(_section(ocr_text, "I. MUC TIEU."), title="I. MỤC TIÊU."),), True,
    )
    sub = _section(CLEAN_TEXT, "1. Công tác tuyên truyền")
    clean = Document(
        CLEAN_SOURCE, CLEAN_TEXT, "y" * 64, "md", "utf-8",
        Metadata(issuer="Sở Y tế tỉnh Khánh Hòa", province="Khánh Hòa", number="/KH-SYT", issue_date="2024-05",
                 period="2024", doc_type="Kế hoạch"),
        (_section(CLEAN_TEXT, "I. MỤC ĐÍCH", CLEAN_TEXT.index("### II.")),
         _section(CLEAN_TEXT, "II. NỘI DUNG", children=(sub,))),
        False,
    )
    return {ocr.source: ocr, clean.source: clean}, {OCR_SOURCE: restoration}


class DoubleRetriever:
    """Ranks paragraphs by shared folded words, honouring the hard filters."""

    def __init__(self, index: SimpleNamespace) -> None:
        self.index = index

    def search(self, question: str, k: int = 10, filters=None, mode: str = "hybrid") -> list[Passage]:
        """Top-k paragraphs sharing words with the question."""
        words = set(fold(question).split())
        scored = []
        for c in self.index.chunks:
            doc = self.index.documents[c.source]
            if filters is not None:
                if filters.source and c.source != filters.source:
                    continue
                if filters.province and fold(filters.province) != fold(doc.metadata.province or ""):
                    continue
                if filters.year and filters.year not in years_covered(doc):
                    continue
            score = len(words & set(c.keys.split()))
            if score:
                scored.append((score, c))
        scored.sort(key=lambda x: (-x[0], x[1].id))
        return [self._passage(c, s) for s, c in scored[:k]]

    def _passage(self, c: Chunk, score: float) -> Passage:
        r = self.index.restorations.get(c.source)
        reading = None
        if r is not None:
            s, e = to_restored_span(r, c.start, c.end)
            reading = r.text[s:e]
        return Passage(c.source, c.start, c.end, c.text, float(score), c.section, c.id, reading)


@dataclass
class DoubleAnswerer:
    """Cites the best passage (and the second, if any); records what it was asked."""

    retriever: DoubleRetriever
    calls: list = field(default_factory=list)
    fail: bool = False
    references: ReferenceIndex = field(init=False)
    targets: list = field(init=False)

    def __post_init__(self) -> None:
        index = self.retriever.index
        self.references = ReferenceIndex.from_texts({s: d.text for s, d in index.documents.items()})
        self.targets = targets_table(index)

    def ask(self, question: str, history: tuple = (), filters=None, mode: str = "hybrid") -> Answer:
        """An extractive answer with numbered citations."""
        self.calls.append((question, history, filters))
        if self.fail:
            raise RuntimeError("simulated failure")
        t0 = time.perf_counter()
        passages = self.retriever.search(question, 5, filters)
        if not passages:
            return Answer(question, "Không tìm thấy thông tin trong các tài liệu.", (), (), True, {"retrieve": 0.1})
        cites = []
        parts = []
        for n, p in enumerate(passages[:2], start=1):
            doc = self.retriever.index.documents[p.source]
            r = self.retriever.index.restorations.get(p.source)
            unsure = unsure_words(r, doc.text, p.start, p.end) if r is not None else ()
            cites.append(Citation(n, p.source, p.start, p.end, p.text, p.section, doc.metadata, p.reading, unsure))
            parts.append(" ".join((p.reading or p.text).split()) + f" [{n}]")
        return Answer(question, " ".join(parts), tuple(cites), tuple(passages), False,
                      {"retrieve": (time.perf_counter() - t0) * 1000})


def make_engine() -> SimpleNamespace:
    """An engine-shaped object: .index (documents, chunks, restorations), .retriever, .answerer, .tasks."""
    documents, restorations = make_documents()
    chunks = []
    for doc in documents.values():
        r = restorations.get(doc.source)
        for start, end in _paragraph_spans(doc.text):
            text = doc.text[start:end]
            shown = text
            if r is not None:
                s, e = to_restored_span(r, start, end)
                shown = r.text[s:e]
            chunks.append(Chunk(f"{doc.source}#{start}-{end}", doc.source, start, end, text, "", 0,
                                fold(shown), shown, "h", doc.metadata))
    index = SimpleNamespace(documents=documents, chunks=chunks, restorations=restorations)
    retriever = DoubleRetriever(index)
    status = {"build": "test-build", "built_at": None, "newer_build": None, "documents": len(documents),
              "chunks": len(chunks), "skipped": [{"source": "bad.txt", "reason": "bad.txt: not UTF-8 text"}],
              "build_error": None}
    return SimpleNamespace(index=index, retriever=retriever, answerer=DoubleAnswerer(retriever),
                           tasks=tasks_table(index), status=lambda: dict(status))
