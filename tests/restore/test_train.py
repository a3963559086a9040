"""Training sources of the restoration LM: word n-gram counts turned into syllable n-grams."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from assistant.restore import train
from assistant.restore.model import BOS


def _counts(tmp_path: Path, unigram: str, bigram: str) -> tuple[Counter, Counter, Counter, Counter]:
    (tmp_path / "unigram.xml").write_text(f"<corpus><body>{unigram}</body></corpus>", encoding="utf-8")
    (tmp_path / "bigram.xml").write_text(f"<corpus><body>{bigram}</body></corpus>", encoding="utf-8")
    uni: Counter = Counter()
    bi: Counter = Counter()
    tri: Counter = Counter()
    given: Counter = Counter()
    train._add_word_ngrams(tmp_path, uni, bi, tri, {}, set(), given)
    return uni, bi, tri, given


def test_word_counts_give_syllable_ngrams_inside_and_across_words(tmp_path: Path) -> None:
    uni, bi, tri, _ = _counts(
        tmp_path,
        '<w msd="12">phấn đấu</w><w msd="5">lương hưu</w><w msd="30">đạt</w>',
        '<w msd="4">phấn đấu,đạt</w><w msd="2">.,Lương hưu</w><w msd="9">,,đạt</w>',
    )
    w = train.WORD_NGRAM_WEIGHT
    # inside a word: its own count, once (not again for every pair it stands in)
    assert uni["phấn"] == 12 * w and bi[("phấn", "đấu")] == 12 * w and bi[("lương", "hưu")] == 5 * w
    # across a boundary: the pair's count, with the trigrams that span it
    assert bi[("đấu", "đạt")] == 4 * w and tri[("phấn", "đấu", "đạt")] == 4 * w
    # after a full stop a sentence starts; a comma carries no syllable and adds nothing
    assert bi[(BOS, "lương")] == 2 * w and tri[(BOS, "lương", "hưu")] == 2 * w
    assert not any(k[0] == "," for k in bi)
    assert sum(bi.values()) == (12 + 5 + 4 + 2) * w


def test_names_in_word_counts_teach_given_names(tmp_path: Path) -> None:
    # a person's name in the counts ("Trần Thị Hương") is a name, and its given name teaches the name model
    uni, _, _, given = _counts(tmp_path, '<w msd="3">Trần Thị Hương</w>', "")
    assert "hương" not in uni and given["hương"] >= 1


def test_mdi_scales_favour_the_plans_words() -> None:
    # news text says "đất" (land) far more than "đạt" (reach); the plans the other way round
    general = Counter({"đất": 900.0, "đạt": 100.0, "và": 5000.0})
    plans = Counter({"đạt": 40.0, "và": 200.0})
    scales = train.mdi_scales(general, plans, beta=0.5)
    assert scales["đạt"] > 0 > scales["đất"]
    assert abs(scales["và"]) < scales["đạt"]  # a word both use alike is barely touched
    assert train.mdi_scales(general, Counter(), beta=0.5) == {}
    assert train.mdi_scales(general, plans, beta=0.0) == {}


def _respell(line: str, general: dict[tuple[str, str], float]) -> str:
    lexicon = {"phấn đấu", "mức độ", "hài lòng", "thúc đẩy", "chuyển đổi", "đẩy mạnh", "dây chuyền"}
    bi = Counter(general)
    return train.respell_typos(line, train.typo_respellings(lexicon, bi), lexicon, bi)


def test_a_mark_typo_of_a_common_word_is_put_right_before_the_domain_lm_counts_it() -> None:
    # corpus/001 writes "Phân đầu" once; the news text and the dictionary say "phấn đấu"
    general = {("phấn", "đấu"): 40.0, ("đẩy", "mạnh"): 30.0}
    assert _respell("Phân đầu mức độ hài lòng đạt 90%.", general) == "Phấn đấu mức độ hài lòng đạt 90%."
    # too rare in general text to stand for a typo: left alone
    assert _respell("Phân đầu mức độ", {("phấn", "đấu"): 2.0}) == "Phân đầu mức độ"


def test_pairs_across_words_or_punctuation_and_known_pairs_are_not_typos() -> None:
    general = {("phấn", "đấu"): 40.0, ("dây", "chuyền"): 30.0}
    # "thúc đẩy | chuyển đổi": the pair "đẩy chuyển" lies across two dictionary words, not a typo of "dây chuyền"
    assert _respell("thúc đẩy chuyển đổi số", general) == "thúc đẩy chuyển đổi số"
    assert _respell("lắp đặt đẩy chuyển sản xuất", general) == "lắp đặt dây chuyền sản xuất"
    # a comma between them: no pair at all
    assert _respell("phân, đầu tư", general) == "phân, đầu tư"
    # the general text has the pair itself: a word of its own, not a typo
    assert _respell("phân đầu", {**general, ("phân", "đầu"): 1.0}) == "phân đầu"
