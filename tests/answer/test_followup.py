"""Follow-up questions resolved from the conversation: a new place, an anaphor, a short continuation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.answer.followup import Turn, answered, resolve
from assistant.search.retrieve import Filters
from assistant.types import Document, Metadata
from tests.conftest import corpus_file
from tests.live_server import real_engine_and_settings


def _doc(prefix: str, issuer: str, parent: str, province: str, number: str | None = None,
         period: str | None = None) -> Document:
    path = corpus_file(prefix)
    text = path.read_text(encoding="utf-8")[:400]  # the header the metadata below was read from
    md = Metadata(issuer=issuer, parent=parent, province=province, doc_type="Kế hoạch", number=number, period=period)
    return Document(path.name, text, "0" * 64, "txt", "utf-8", md)


HT = _doc("000", "Sở Y tế tỉnh Hà Tĩnh", "UBND tỉnh Hà Tĩnh", "Hà Tĩnh", "35/KH-SYT", "2023")
KH = _doc("001", "Sở Y tế tỉnh Khánh Hòa", "UBND tỉnh Khánh Hòa", "Khánh Hòa", "/KH-SYT", "2024")
LC = _doc("003", "Sở Y tế tỉnh Lai Châu", "UBND tỉnh Lai Châu", "Lai Châu", "265/KH-SYT", "2026")
TH = _doc("004", "Sở Y tế Thanh Hóa", "UBND tỉnh Thanh Hóa", "Thanh Hóa", "/KH-SYT", "2021")
DOCS = (HT, KH, LC, TH)

FIRST = Turn("Sở Y tế Khánh Hòa cắt giảm bao nhiêu phần trăm thời gian giải quyết TTHC?",
             "Cắt giảm tối thiểu 30% thời gian giải quyết TTHC [1].", (KH.source,))


def test_without_history_the_question_is_unchanged() -> None:
    filters = Filters(year=2024)
    assert resolve("còn Lai Châu thì sao?", (), DOCS, filters) == ("còn Lai Châu thì sao?", filters)


@pytest.mark.parametrize("question", ["còn Lai Châu thì sao?", "con lai chau thi sao", "Thế còn Lai Châu?",
                                      "What about Lai Chau?"])
def test_elliptic_question_is_the_previous_one_about_the_new_place(question: str) -> None:
    resolved, filters = resolve(question, (FIRST,), DOCS, None)
    assert "cat giam" in resolved and "thoi gian giai quyet" in resolved
    assert "lai chau" in resolved and "khanh hoa" not in resolved
    assert filters is None


def test_a_chain_of_follow_ups_keeps_the_first_topic() -> None:
    second = Turn("còn Lai Châu thì sao?", "Cắt giảm 50% [1].", (LC.source,))
    resolved, _ = resolve("còn Hà Tĩnh thì sao?", (FIRST, second), DOCS, None)
    assert "cat giam" in resolved and "ha tinh" in resolved
    assert "lai chau" not in resolved and "khanh hoa" not in resolved


@pytest.mark.parametrize("question", ["Kế hoạch đó do ai ký?", "ke hoach nay ban hanh ngay nao", "Nó có chỉ tiêu gì?",
                                      "Who signed that plan?"])
def test_anaphor_scopes_the_question_to_the_previous_document(question: str) -> None:
    resolved, filters = resolve(question, (FIRST,), DOCS, Filters(year=2024))
    assert resolved == question
    assert filters is not None and filters.source == KH.source and filters.year == 2024


def test_anaphor_after_an_answer_from_several_plans_is_not_scoped() -> None:
    across = Turn("Những kế hoạch nào đặt chỉ tiêu hài lòng?", "…", (KH.source, TH.source))
    assert resolve("Kế hoạch đó do ai ký và ban hành khi nào?", (across,), DOCS, None) == (
        "Kế hoạch đó do ai ký và ban hành khi nào?", None)


def test_a_very_short_question_continues_the_previous_topic() -> None:
    resolved, _ = resolve("chỉ tiêu năm 2025?", (FIRST,), DOCS, None)
    assert resolved == f"chỉ tiêu năm 2025? {FIRST.question}"


def test_a_new_full_question_is_left_alone() -> None:
    question = "Thanh Hóa giao đơn vị nào chủ trì công tác tuyên truyền cải cách hành chính?"
    assert resolve(question, (FIRST,), DOCS, None) == (question, None)


@pytest.mark.parametrize("question", ["Còn bao nhiêu thủ tục hành chính của Lai Châu chưa được số hóa?",
                                      "Lai Châu thực hiện cải cách thể chế thế nào?"])
def test_a_full_question_starting_with_con_or_ending_with_the_nao_is_left_alone(question: str) -> None:
    # "còn" is also "still, remaining", and "thế nào" ends many full questions: only the place and filler words
    # may stand beside them for the question to be the previous one about a new place.
    assert resolve(question, (FIRST,), DOCS, None) == (question, None)


@pytest.mark.parametrize("question", ["còn Sở Y tế Lai Châu thì sao?", "Còn kế hoạch của Lai Châu thì sao?",
                                      "Vậy còn tỉnh Lai Châu?"])
def test_elliptic_question_may_name_the_kind_of_body_or_plan(question: str) -> None:
    resolved, _ = resolve(question, (FIRST,), DOCS, None)
    assert "cat giam" in resolved and "lai chau" in resolved and "khanh hoa" not in resolved


# --- three turns: a question about one plan, "còn <tỉnh khác> thì sao?", then "kế hoạch đó" -------------------
ANAPHORS = ["Ai ký kế hoạch đó?", "Kế hoạch đó ban hành ngày nào?", "Văn bản này do ai ký?", "plan đó ký ngày nào?",
            "Who signed that plan?"]
SECOND_ANSWERS = {
    "cited the new plan": (LC.source,),
    "abstained, cited nothing": (),
    "cited another plan": (TH.source,),
}


@pytest.mark.parametrize("anaphor", ANAPHORS)
@pytest.mark.parametrize("cited", SECOND_ANSWERS.values(), ids=SECOND_ANSWERS.keys())
def test_anaphor_after_a_switch_of_province_means_the_new_provinces_plan(anaphor: str, cited) -> None:
    second = Turn("Còn Lai Châu thì sao?", "…", cited)
    resolved, filters = resolve(anaphor, (FIRST, second), DOCS, None)
    assert resolved == anaphor
    assert filters is not None and filters.source == LC.source


@pytest.mark.parametrize("anaphor", ANAPHORS)
def test_a_conversation_replayed_from_its_text_resolves_the_same_way(anaphor: str) -> None:
    # The OpenAI-style endpoint rebuilds the history from messages: no turn knows the documents its answer cited.
    history = (Turn(FIRST.question, FIRST.answer), Turn("còn Lai Châu thì sao?", "…"))
    assert resolve(anaphor, history, DOCS, None)[1] == Filters(source=LC.source)


def test_switch_from_a_plan_named_by_its_number() -> None:
    # The old plan's number and year named the old plan: the question about Lai Châu keeps neither.
    first = Turn("Người ký Kế hoạch số 35/KH-SYT về cải cách hành chính năm 2023 của Sở Y tế Hà Tĩnh là ai?",
                 "Nguyễn Minh Đức [1].", (HT.source,))
    resolved, _ = resolve("Còn Lai Châu thì sao?", (first,), DOCS, None)
    assert "nguoi ky" in resolved and "lai chau" in resolved
    assert "35" not in resolved and "2023" not in resolved and "ha tinh" not in resolved
    second = Turn("Còn Lai Châu thì sao?", "…", ())
    assert resolve("Kế hoạch đó ban hành ngày nào?", (first, second), DOCS, None)[1] == Filters(source=LC.source)


def test_a_topic_year_stays_when_it_is_not_the_old_plans_year() -> None:
    first = Turn("Sở Y tế Hà Tĩnh đặt chỉ tiêu gì cho năm 2025?", "…", (HT.source,))
    resolved, _ = resolve("còn Thanh Hóa thì sao?", (first,), DOCS, None)
    assert "2025" in resolved and "thanh hoa" in resolved


def test_anaphor_skips_a_turn_about_no_plan() -> None:
    # An off-topic question in between has no plan: "kế hoạch đó" is still the last plan talked about.
    history = (FIRST, Turn("Giá vàng hôm nay bao nhiêu?", "Các tài liệu hiện có không đề cập …", ()))
    assert resolve("Ai ký kế hoạch đó?", history, DOCS, None)[1] == Filters(source=KH.source)


def test_anaphor_after_a_plan_of_several_documents_of_one_province_scopes_to_the_province() -> None:
    other = replace(KH, source="w99_khanhhoa_other.md")
    docs = (*DOCS, other)
    first = Turn("Khánh Hòa đặt chỉ tiêu gì về chuyển đổi số?", "…", ())  # both Khánh Hòa documents, none cited
    assert resolve("Ai ký kế hoạch đó?", (first,), docs, None)[1] == Filters(province="Khánh Hòa")


def test_answered_records_the_resolution_and_the_plan() -> None:
    second = answered("còn Lai Châu thì sao?", "…", (), (FIRST,), DOCS)
    assert second.plan == (LC.source,) and second.province == "Lai Châu"
    assert "cat giam" in (second.resolved or "") and "lai chau" in (second.resolved or "")
    third = answered("Ai ký kế hoạch đó?", "…", (), (FIRST, second), DOCS)
    assert third.plan == (LC.source,) and third.resolved == "Ai ký kế hoạch đó?"


def test_a_recorded_plan_is_used_as_recorded() -> None:
    # What the caller recorded wins over what the turn's text would resolve to today.
    recorded = Turn("Kế hoạch này đặt chỉ tiêu gì?", "…", (), "Kế hoạch này đặt chỉ tiêu gì?", (TH.source,), "Thanh Hóa")
    assert resolve("Ai ký kế hoạch đó?", (FIRST, recorded), DOCS, None)[1] == Filters(source=TH.source)


# --- on the real engine -------------------------------------------------------------------------------------------
FIRST_QUESTIONS = {
    "Hà Tĩnh": "Người ký Kế hoạch số 35/KH-SYT về cải cách hành chính năm 2023 của Sở Y tế Hà Tĩnh là ai?",
    "Khánh Hòa": "Ở Sở Y tế Khánh Hòa, đơn vị nào chủ trì nhóm giải pháp cải cách thể chế năm 2024?",
    "Thanh Hóa": "Theo kế hoạch năm 2021 của Thanh Hóa, các đơn vị trực thuộc gửi báo cáo CCHC định kỳ về Sở vào ngày nào?",
}
SIGNERS = {"Hà Tĩnh": "Nguyễn Minh Đức", "Khánh Hòa": "Bùi Xuân Minh", "Thanh Hóa": "Trịnh Hữu Hùng", "Lai Châu": None}


@pytest.mark.slow
@pytest.mark.parametrize("first", FIRST_QUESTIONS)
@pytest.mark.parametrize("switch", ["Lai Châu", "Thanh Hóa", "Khánh Hòa"])
def test_three_turns_on_the_real_engine(first: str, switch: str) -> None:
    if first == switch:
        pytest.skip("same province")
    answerer = real_engine_and_settings()[0].answerer
    docs = answerer.retriever.index.documents
    wanted = {s for s, d in docs.items() if d.metadata.province == switch}
    history: tuple[Turn, ...] = ()
    for question in (FIRST_QUESTIONS[first], f"Còn {switch} thì sao?"):
        a = answerer.ask(question, history)
        history += (answered(question, a.text, [c.source for c in a.citations], history, docs.values()),)
    assert history[-1].plan and set(history[-1].plan) <= wanted and history[-1].province == switch
    for replayed in (history, tuple(Turn(t.question, t.answer) for t in history)):
        signer = answerer.ask("Ai ký kế hoạch đó?", replayed)
        assert {c.source for c in signer.citations} <= wanted, signer.text
        if SIGNERS[switch]:
            assert SIGNERS[switch] in signer.text
        else:  # the Lai Châu plan carries no signature: said so, not another plan's signer
            assert signer.abstained and not any(name and name in signer.text for name in SIGNERS.values())
        date = answerer.ask("Kế hoạch đó ban hành ngày nào?", replayed)
        assert date.citations and {c.source for c in date.citations} <= wanted, date.text
