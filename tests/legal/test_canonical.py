"""Named instruments come out under their official names, whether a plan abbreviates them or OCR garbles them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents.read import read_corpus
from assistant.legal.canonical import NATIONAL_INSTRUMENTS, canonical_name
from assistant.legal.citations import ReferenceIndex
from assistant.legal.extract import extract_references

ROOT = Path(__file__).resolve().parents[2]
TEXTS = {raw.source: raw.text for raw in read_corpus(ROOT / "corpus")[0]}
NAMED = ("Chương trình", "Đề án", "Luật", "Bộ luật", "Hiến pháp", "Pháp lệnh")
PROGRAMME = "Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021-2030"
OFFICIAL = {name for _, name in NATIONAL_INSTRUMENTS}

# The three OCR plans of corpus/ and the instruments each cites by name, as auditors search for them.
EXPECTED = {
    "000_": {PROGRAMME, f"{PROGRAMME} của tỉnh Hà Tĩnh", "Hiến pháp năm 2013",
             "Luật Ban hành văn bản quy phạm pháp luật", "Luật Quản lý, sử dụng tài sản công"},
    "002_": {f"{PROGRAMME} của tỉnh Kon Tum"},
    "003_": {PROGRAMME},
}


def _named(prefix: str) -> set[str]:
    source = next(s for s in TEXTS if s.startswith(prefix))
    return {r.number for r in extract_references(TEXTS[source], source) if r.type in NAMED and not r.own}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_every_named_instrument_of_an_ocr_plan_has_its_official_name(prefix: str) -> None:
    assert _named(prefix) == EXPECTED[prefix]


@pytest.mark.parametrize(("kind", "mention", "official"), [
    ("Chương trình", "Chương trình téng thé CCHC nha nudc giai doan 2021-2023", PROGRAMME),
    ("Chương trình", "Chương trình tổng thể CCHC giai đoạn 2021-2030", PROGRAMME),
    ("Luật", "Luật Ban hanh van ban QPPL", "Luật Ban hành văn bản quy phạm pháp luật"),
    ("Luật", "Luật Quan ly, sir dung tai san cong", "Luật Quản lý, sử dụng tài sản công"),
    ("Luật", "Luật Cán bộ, công chức", "Luật Cán bộ, công chức"),
])
def test_mentions_match_their_official_name(kind: str, mention: str, official: str) -> None:
    assert canonical_name(kind, mention) == official


@pytest.mark.parametrize(("kind", "mention"), [
    ("Chương trình", "Chương trình tiết kiệm chống lãng phí"),  # not a national programme of the vocabulary
    ("Chương trình", "Chương trình phát triển đô thị tỉnh giai đoạn 2021-2030"),
    ("Luật", "Luật Viên chức"),  # matched to itself, never to "Luật Cán bộ, công chức"
    ("Đề án", "Đề án Cải cách hành chính giai đoạn 2021-2030"),  # the type must agree
])
def test_other_names_are_not_forced_onto_the_vocabulary(kind: str, mention: str) -> None:
    found = canonical_name(kind, mention)
    assert found is None or found == mention


def test_auditor_search_finds_ocr_and_clean_plans_alike() -> None:
    clean = ("UBND TỈNH X\nKẾ HOẠCH\nThực hiện Chương trình tổng thể cải cách hành chính nhà nước giai đoạn "
             "2021-2030 ban hành kèm theo Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ;\n")
    texts = {**{s: t for s, t in TEXTS.items() if s.startswith(("000_", "003_"))}, "clean.txt": clean}
    found = {r.source for r in ReferenceIndex.from_texts(texts).cited_by("Chương trình tổng thể")}
    assert found == set(texts)
    assert all(r.number == PROGRAMME for r in ReferenceIndex.from_texts(texts).cited_by("chuong trinh tong the")
               if r.source != "000_6b056ab07645c4f0.txt")
    assert PROGRAMME in OFFICIAL
