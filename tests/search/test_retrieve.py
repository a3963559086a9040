"""Integration: the real model and the real index over the bundled corpus (built once per session)."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.errors import IndexMismatchError, IndexMissingError
from assistant.search.index import load_index, read_manifest
from assistant.search.query import analyse
from assistant.search.retrieve import Filters
from tests.live_server import real_engine_and_settings


@pytest.fixture(scope="module")
def engine():
    return real_engine_and_settings()[0]


def _texts(engine):
    return {s: d.text for s, d in engine.index.documents.items()}


def test_every_passage_is_an_exact_span(engine):
    texts = _texts(engine)
    for q in ["tỷ lệ hài lòng của người dân", "nghi dinh 61/2018", "which plans mention ISO 9001"]:
        for p in engine.retriever.search(q, 10):
            assert texts[p.source][p.start : p.end] == p.text


def test_accent_free_and_ocr_tolerant_matching(engine):
    # typed without diacritics; the evidence sits in an OCR-damaged document ("S¢ Noi vu")
    top = engine.retriever.search("so y te ha tinh chu tri tong hop bao cao so noi vu ket qua cchc", 5)
    assert top[0].source.startswith("000_")
    # the symbol is printed "61/2018/ND-CP" in the OCR text
    top = engine.retriever.search("Nghị định 61/2018/NĐ-CP về cơ chế một cửa", 3)
    assert any(p.source.startswith("000_") and "61/2018" in p.text for p in top)


def test_ocr_passages_carry_their_restored_reading(engine):
    p = engine.retriever.search("Lai Châu cắt giảm thời gian giải quyết thủ tục hành chính", 3)[0]
    assert p.source.startswith("003_")
    assert p.reading and "thủ tục hành chính" in p.reading.lower()


def test_question_places_are_soft_filters(engine):
    info = analyse("khanh hoa phong nao chu tri cai cach tai chinh cong nam 2024", engine.index.documents.values())
    assert [s[:3] for s in info.sources] == ["001"] and info.years == (2024,) and not info.across
    top = engine.retriever.search("khanh hoa phong nao chu tri cai cach tai chinh cong nam 2024", 5)
    assert all(p.source.startswith("001_") for p in top[:3])


def test_across_document_questions_cover_every_matching_plan(engine):
    q = "Những kế hoạch nào có nội dung về dịch vụ bưu chính công ích (BCCI)?"
    assert analyse(q, engine.index.documents.values()).across
    top5 = {p.source[:3] for p in engine.retriever.search(q, 5)}
    assert {"000", "001", "002", "004"} <= top5


def test_hard_filters(engine):
    for p in engine.retriever.search("cải cách hành chính", 10, Filters(province="Lai Châu")):
        assert p.source.startswith("003_")
    for p in engine.retriever.search("cải cách hành chính", 10, Filters(year=2021)):
        assert p.source.startswith("004_")
    assert engine.retriever.search("cải cách hành chính", 10, Filters(province="Cà Mau")) == []


def test_ablation_modes_run(engine):
    for mode in ("bm25", "dense", "hybrid"):
        assert len(engine.retriever.search("chỉ số hài lòng", 5, mode=mode)) == 5


def test_manifest_describes_the_index(engine):
    manifest = read_manifest(real_engine_and_settings()[1].index_dir)
    assert manifest["dim"] == 384 and manifest["model"].startswith("multilingual-e5-small")
    assert set(manifest["documents"]) == set(engine.index.documents)
    assert manifest["chunking"]["max_tokens"] == 250


def test_ocr_restorations_keep_their_unsure_tokens(engine):
    from assistant.engine import index_config
    from assistant.restore.restorer import unsure_words

    settings = real_engine_and_settings()[1]
    loaded = load_index(settings.index_dir, index_config(settings, engine.encoder)).restorations
    ocr = [s for s, d in engine.index.documents.items() if d.ocr_damaged]
    assert ocr
    for source in ocr:
        r, text = loaded[source], engine.index.documents[source].text
        # a few words of each OCR document, not most of them, in token order; stored and read back as built
        assert 0 < len(r.unsure) < len(r.tokens) / 10 and list(r.unsure) == sorted(set(r.unsure))
        assert r.unsure == engine.index.restorations[source].unsure
        for w in unsure_words(r, text, 0, len(text)):
            assert w.ocr in text and r.text[w.start:w.end].strip()
    assert all(not r.unsure for s, r in loaded.items() if s not in ocr)  # clean views have nothing to doubt


def test_mismatched_or_missing_index_refuses_to_load(engine, tmp_path):
    from dataclasses import replace

    from assistant.engine import index_config

    settings = real_engine_and_settings()[1]
    config = index_config(settings, engine.encoder)
    with pytest.raises(IndexMismatchError, match="assistant index"):
        load_index(settings.index_dir, replace(config, dim=768))
    with pytest.raises(IndexMissingError):
        load_index(tmp_path / "nothing", config)


def test_rebuild_reuses_embeddings_and_a_failed_build_keeps_serving(engine, tmp_path, monkeypatch):
    from assistant.engine import build

    settings = real_engine_and_settings()[1]
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir.resolve() / "current", index_dir / "builds" / "seed", symlinks=True)
    (index_dir / "current").symlink_to("builds/seed")
    local = settings.model_copy(update={"index_dir": index_dir})
    stats = build(local, engine.encoder)
    assert stats["embedded"] == 0 and stats["reused"] == stats["chunks"]
    before = json.loads((index_dir / "current" / "manifest.json").read_text())

    import assistant.search.index as index_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(index_module, "_write", boom)
    with pytest.raises(RuntimeError):
        build(local, engine.encoder)
    after = json.loads((index_dir / "current" / "manifest.json").read_text())
    assert after == before
    assert not [p for p in (index_dir / "builds").iterdir() if p.name.startswith(".tmp")]


def test_a_changed_corpus_or_setting_asks_for_a_rebuild(engine, tmp_path):
    from assistant.engine import needs_build

    settings = real_engine_and_settings()[1]
    assert needs_build(settings, engine.encoder) is None
    corpus = tmp_path / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    (corpus / "new_plan.md").write_text("# KẾ HOẠCH\n\nCải cách hành chính năm 2025 của Sở Y tế.\n", encoding="utf-8")
    assert needs_build(settings.model_copy(update={"corpus_dir": corpus}), engine.encoder) == "corpus changed"
    assert needs_build(settings.model_copy(update={"chunk_max_tokens": 200}), engine.encoder) == "settings changed"
    assert needs_build(settings.model_copy(update={"index_dir": tmp_path / "none"}), engine.encoder) == "missing"


def test_questions_without_words_are_bad_requests():
    from assistant.errors import BadRequest
    from assistant.search.retrieve import check_question

    for question in ["", "?", "😀😀", "\ud800 CCHC"]:
        with pytest.raises(BadRequest):
            check_question(question)
    check_question("CCHC?")  # an acronym alone is something to search for
