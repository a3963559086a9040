"""The noisy-channel model's pieces on tiny inputs: LM tokens, smoothing, candidates, channel learning, cache."""

from __future__ import annotations

import math
import pickle
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from assistant.restore import model as rm
from assistant.text import syllables as sy

# Clean sentences in the words of corpus/004 (Thanh Hóa) and corpus/001 (Khánh Hòa).
SENTENCES = [
    "Sở Y tế xây dựng và triển khai Kế hoạch cải cách hành chính năm 2021",
    "Sở Y tế ban hành kế hoạch số hóa kết quả giải quyết thủ tục hành chính",
    "số hồ sơ của Sở được giải quyết trước hạn",
    "cải cách hành chính của Sở Y tế",
]


def tiny_model(sentences: list[str]) -> rm.RestoreModel:
    """A RestoreModel over a few sentences, with the same tables build_model fills (uniform-ish base)."""
    uni: Counter[str] = Counter()
    bi: Counter[tuple[str, str]] = Counter()
    for s in sentences:
        toks = rm._lm_tokens(s)
        for prev, t in zip([rm.BOS, *toks], toks, strict=False):
            uni[t] += 1
            bi[(prev, t)] += 1
    total_ctx: dict[str, float] = defaultdict(float)
    types: dict[str, int] = defaultdict(int)
    for (a, _b), c in bi.items():
        total_ctx[a] += c
        types[a] += 1
    n = sum(uni.values())
    p_base = {w: c / n for w, c in uni.items()}
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for w in uni:
        if sy.is_syllable(w):
            by_skeleton[sy.skeleton(w)].append(w)
    delete_index: dict[str, list[str]] = defaultdict(list)
    for sk in by_skeleton:
        for d in rm._deletes(sk, 1 if len(sk) <= 3 else 2):
            delete_index[d].append(sk)
    return rm.RestoreModel(dict(uni), dict(bi), dict(total_ctx), dict(types), p_base, dict(by_skeleton),
                           dict(delete_index), {}, frozenset({"UBND"}))


def test_deletes() -> None:
    assert rm._deletes("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert rm._deletes("ab", 5) == {"ab", "a", "b", ""}


def test_lm_tokens_classify_words_numbers_acronyms_and_names() -> None:
    tokens = rm._lm_tokens("Sở Y tế ban hành 35/KH-SYT, UBND tỉnh Hoà Bình; Facebook (“Zalo”) - 100%")
    assert tokens == ["sở", "y", "tế", "ban", "hành", rm.NUM, "ubnd", "tỉnh", "hòa", "bình", rm.FOREIGN,
                      rm.FOREIGN, rm.NUM]
    assert rm._lm_tokens("huyện <place>") == ["huyện", "<place>"]
    assert rm._lm_tokens("a+b") == [rm.UNK]


def test_mid_sentence_case_ignores_sentence_starts_and_capitals() -> None:
    raws = "Sở Y tế Hà Tĩnh. Ban hành Kế hoạch CCHC".split()
    assert rm.mid_sentence_case(raws) == [None, None, False, True, True, None, False, True, False, None]


def test_bigram_is_a_distribution_over_the_vocabulary() -> None:
    model = tiny_model(SENTENCES)
    vocab = list(model.p_base)
    assert sum(model.p_base.values()) == pytest.approx(1.0)
    for prev in ("sở", "hành", rm.BOS, "unseen-context"):
        assert sum(math.exp(model.logp(prev, w)) for w in vocab) == pytest.approx(1.0), prev
    assert model.logp("y", "tế") > model.logp("y", "số")


def test_trigram_backs_off_to_the_bigram_without_trigram_counts() -> None:
    model = tiny_model(SENTENCES)
    assert model.logp3("sở", "y", "tế") == pytest.approx(model.logp("y", "tế"))


def test_domain_lm_is_a_distribution_and_prefers_domain_phrasing() -> None:
    uni: Counter[str] = Counter()
    bi: Counter[tuple[str, str]] = Counter()
    tri: Counter[tuple[str, str, str]] = Counter()
    for s in SENTENCES:
        toks = rm._lm_tokens(s)
        for a, b, c in zip([rm.BOS, rm.BOS, *toks], [rm.BOS, *toks], toks, strict=False):
            uni[c] += 1
            bi[(b, c)] += 1
            tri[(a, b, c)] += 1
    domain = rm.DomainLM.from_counts(uni, bi, tri)
    base = {w: 1 / len(uni) for w in uni}
    for ctx in (("cải", "cách"), (rm.BOS, rm.BOS), ("x", "y")):
        assert sum(domain.prob(*ctx, w, base[w]) for w in uni) == pytest.approx(1.0), ctx
    assert domain.prob("cải", "cách", "hành", base["hành"]) > domain.prob("cải", "cách", "số", base["số"])


def test_candidates_read_ocr_tokens_from_the_inventory() -> None:
    model = tiny_model(SENTENCES)
    # "số" and "sở" cost the same to print as "s6": the commoner syllable comes first.
    assert model.candidates("s6")[0][0] == "sở"
    assert tiny_model(SENTENCES + ["số liệu số hóa số hồ sơ"] * 2).candidates("s6")[0][0] == "số"
    assert {syl for syl, _ in model.candidates("s6")} >= {"số", "sở"}
    assert model.candidates("cia")[0][0] == "của"
    assert model.candidates("Ké".lower())[0][0] in {"kế", "kết"}
    assert all(sy.skeleton(s) == "so" for s, _ in model.candidates("s6") if len(s) == 2)
    assert model.candidates("qqqqqq") == []


def test_learning_the_channel_makes_seen_confusions_cheaper() -> None:
    model = tiny_model(SENTENCES)
    before = model.emit("ủ", "ti")
    before_unseen = model.emit("ủ", "y")
    model.learn_channel([("của", "ctia")] * 10 + [("của", "của")] * 10)
    assert model.emit("ủ", "ti") < before
    assert model.emit("ủ", "y") > before_unseen  # mass moved to what was seen
    assert model.candidates("ctia")[0][0] == "của"


def test_case_cost_prefers_the_observed_capitalisation() -> None:
    model = tiny_model(SENTENCES)
    model.capitalised = {"bình": (9.0, 10.0), "bàn": (0.0, 10.0)}
    assert model.case_cost("bình", True) < model.case_cost("bình", False)
    assert model.case_cost("bàn", True) > model.case_cost("bàn", False)
    assert model.case_cost("unseen", True) == pytest.approx(-math.log(model.cap_rate))


def test_cache_round_trip_and_stale_pickles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.restore import store

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = store.model_key([store.text_hash("Kế hoạch cải cách hành chính")])
    assert key.startswith(rm.MODEL_VERSION) and store.cache_dir() == tmp_path / "assistant" / "restore"
    assert store.load(f"{key}.pkl", rm.RestoreModel) is None
    model = tiny_model(SENTENCES)
    model.candidates("s6")  # fills the memo, which is not pickled
    store.save(f"{key}.pkl", model)
    loaded = store.load(f"{key}.pkl", rm.RestoreModel)
    assert isinstance(loaded, rm.RestoreModel) and loaded.unigram == model.unigram
    assert not loaded.memo_candidates
    path = store.cache_dir() / f"{key}.pkl"
    path.write_bytes(pickle.dumps({"not": "a model"}))
    assert store.load(f"{key}.pkl", rm.RestoreModel) is None
    path.write_bytes(b"truncated")
    assert store.load(f"{key}.pkl", rm.RestoreModel) is None


def test_cache_key_is_the_set_of_in_domain_texts() -> None:
    from assistant.restore import store

    a, b = store.text_hash("Sở Y tế tỉnh Hà Tĩnh"), store.text_hash("Sở Y tế tỉnh Khánh Hòa")
    assert store.model_key([a, b]) == store.model_key([b, a])  # order of the documents does not matter
    assert store.model_key([a]) != store.model_key([a, b]) != store.model_key([])


def test_prune_keeps_recent_models_and_their_channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from assistant.restore import store

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for n in range(4):
        store.save(f"m{n}.pkl", {"model": n})
        store.save(f"m{n}-doc.channel", ({}, {}))
        os.utime(store.cache_dir() / f"m{n}.pkl", (1000 + n, 1000 + n))
    assert store.load("m0.pkl", dict) == {"model": 0}  # using a model makes it recent again
    store.prune(keep=2)
    kept = sorted(p.name for p in store.cache_dir().iterdir())
    assert kept == ["m0-doc.channel", "m0.pkl", "m3-doc.channel", "m3.pkl"]
