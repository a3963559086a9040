"""The one accent fold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.text.fold import fold, fold_map, fold_words

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐ –—\u00a0/-.,:;0123456789"


def test_fold_drops_marks_and_unifies_dashes_and_spaces() -> None:
    assert fold("Nghị định 61/2018/NĐ-CP") == "nghi dinh 61/2018/nd-cp"
    assert fold("giai đoạn 2021–2025") == "giai doan 2021-2025"
    assert fold_words("  Ủy ban\u00a0nhân   dân ") == "uy ban nhan dan"


@given(st.text(alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper()), max_size=60))
def test_fold_and_fold_map_agree_and_offsets_point_into_the_original(text: str) -> None:
    folded = fold_map(text)
    assert folded.text == fold(text)
    assert len(folded.offsets) == len(folded.text) + 1
    for i, c in enumerate(folded.text):
        assert fold(text[folded.offsets[i]]) == c
