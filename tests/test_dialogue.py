"""The conversation logic on its own (no Redis): the interview, corrections, urgent handling,
answers from the rule files. Whole conversations through the console are in stories/."""

from __future__ import annotations

from bot.dialogue.conversation import Dialogue
from bot.dialogue.state import State, Turn


def talk(dialogue: Dialogue, *messages: str, state: State | None = None) -> list[Turn]:
    turns = []
    for text in messages:
        turn = dialogue.handle(state, text)
        state = turn.state
        turns.append(turn)
    return turns


def text_of(turn: Turn) -> str:
    return "\n".join(r.text for r in turn.replies)


def test_several_facts_in_one_message_are_all_kept(dialogue: Dialogue) -> None:
    turn = talk(dialogue, "68살이고 아내랑 둘이 살아요, 월 80만원 벌어요")[-1]
    facts = turn.state.facts
    assert facts["age"] == 68
    assert facts["household_size"] == 2
    assert facts["spouse"] is True
    assert facts["earned_income"] == 800000
    assert facts["children_age_months"] == []  # a couple living as two: no child at home
    asked = [a for a in turn.actions if a.startswith("ask:")]
    assert asked and asked[0] not in ("ask:age", "ask:household_size", "ask:spouse")


def test_the_engine_chooses_the_question(dialogue: Dialogue) -> None:
    from bot.eligibility.questions import rank_missing

    turn = talk(dialogue, "받을 수 있는 복지 알려 주세요")[-1]
    ev = dialogue.rules().evaluate_facts({}, dialogue.today())
    top = next(s.fact for s in rank_missing(ev) if s.decides)
    assert f"ask:{top}" in turn.actions
    assert turn.state.pending == top


def test_correction_replaces_the_value_and_says_so(dialogue: Dialogue) -> None:
    turns = talk(dialogue, "68살이에요", "아 나이 잘못 말했어요, 72예요")
    assert turns[-1].state.facts["age"] == 72
    assert "correct" in turns[-1].actions
    assert "72" in text_of(turns[-1])


def test_dont_know_leaves_the_fact_unknown_and_moves_on(dialogue: Dialogue) -> None:
    first = talk(dialogue, "복지 찾아 주세요")[-1]
    asked = first.state.pending
    assert asked is not None
    turn = dialogue.handle(first.state, "잘 모르겠어요")
    assert f"skip:{asked}" in turn.actions
    assert asked not in turn.state.facts
    assert turn.state.pending != asked


def test_going_back_reopens_the_last_answer(dialogue: Dialogue) -> None:
    turns = talk(dialogue, "복지 찾아 주세요", "72살이에요", "이전 질문으로 돌아갈래요")
    assert "back" in turns[-1].actions
    assert "age" not in turns[-1].state.facts
    assert turns[-1].state.pending == "age"


def test_a_quick_reply_by_number_and_a_band_is_a_range_not_a_guess(dialogue: Dialogue) -> None:
    state = State(facts={"age": 40, "household_size": 1, "spouse": False,
                         "children_age_months": []}, mode="interview",
                  pending="earned_income", offered=_offered(dialogue, "earned_income"))
    turn = dialogue.handle(state, "2")  # [2] 100만원 미만
    assert turn.state.ranges["earned_income"] == (1, 999999)
    assert "earned_income" not in turn.state.facts
    assert turn.state.pending != "earned_income"  # other questions before the exact figure


def test_urgent_message_mid_interview_gets_hotline_first_and_keeps_the_interview(
        dialogue: Dialogue) -> None:
    turns = talk(dialogue, "복지 찾아 주세요", "72살이에요", "사실 요즘 죽고 싶어요")
    urgent = turns[-1]
    assert urgent.urgent and urgent.crisis_type == "suicide"
    assert "109" in urgent.replies[0].text
    assert urgent.case is not None and urgent.case.priority == "critical"
    assert urgent.state.facts["age"] == 72
    nxt = dialogue.handle(urgent.state, "혼자 살아요")
    assert nxt.state.facts["household_size"] == 1


def test_hotline_fits_the_crisis(dialogue: Dialogue) -> None:
    cases = {
        "남편이 술만 마시면 때려요": ["112", "1366"],
        "아들이 우리 할머니를 때리고 돈을 뺏어가요": ["112", "1577-1389"],
        "아빠가 저를 매일 때려요 무서워요": ["112"],
        "전기가 끊기고 먹을 게 하나도 없어요": ["129"],
    }
    for text, numbers in cases.items():
        turn = dialogue.handle(None, text)
        assert turn.urgent, text
        for number in numbers:
            assert number in turn.replies[0].text, (text, number)


def test_livelihood_crisis_opens_a_high_case_and_a_second_crisis_no_new_one(
        dialogue: Dialogue) -> None:
    first = dialogue.handle(None, "월세가 밀려서 내일 쫓겨나요")
    assert first.case is not None and first.case.priority == "high"
    state = first.state
    state.case_id = "case-1"  # the service stores the opened case's id
    again = dialogue.handle(state, "전기도 끊겼어요 어떡해요")
    assert again.case is None and "handoff:already" in again.actions
    assert "129" in again.replies[0].text


def test_hyperbole_is_not_urgent(dialogue: Dialogue) -> None:
    for text in ("아 더워 죽겠다", "배고파 죽겠네요", "손주가 너무 예뻐서 좋아 죽겠어요"):
        turn = dialogue.handle(None, text)
        assert not turn.urgent and turn.case is None, text


def test_request_human_opens_a_normal_case(dialogue: Dialogue) -> None:
    turn = dialogue.handle(None, "상담원이랑 직접 이야기하고 싶어요")
    assert turn.case is not None and turn.case.priority == "normal"
    assert "handoff:normal" in turn.actions


def test_results_show_amount_reason_and_where_to_apply(dialogue: Dialogue) -> None:
    state = State(facts={"age": 72, "household_size": 1, "spouse": False,
                         "children_age_months": [], "earned_income": 0, "other_income": 0,
                         "property": 0, "financial_assets": 0, "debt": 0, "car_value": 0,
                         "region": "서울특별시 구로구", "housing": "monthly_rent",
                         "monthly_rent": 300000, "disability": "none",
                         "support_obligor": "none", "current_benefits": [],
                         "long_term_care_grade": False, "crisis_events": [],
                         "job_seeking": False, "single_parent": False})
    turn = dialogue.handle(state, "받을 수 있는 복지 찾아 주세요")
    assert "show:results" in turn.actions
    assert "basic_pension" in turn.benefits
    assert "livelihood_benefit" in turn.benefits
    text = text_of(turn)
    spec = dialogue.rules().benefits["basic_pension"].spec
    assert spec.name in text and spec.apply.where in text and spec.documents[0] in text
    assert "원을 받을 수 있습니다" in text  # a monthly amount
    why = dialogue.handle(turn.state, "왜요?")
    assert "show:why" in why.actions
    assert spec.sources[0].title in text_of(why)


def test_benefit_info_and_how_to_apply_come_from_the_rule_files(dialogue: Dialogue) -> None:
    spec = dialogue.rules().benefits["child_allowance"].spec
    info = dialogue.handle(None, "아동수당이 뭐예요?")
    assert "show:benefit_info:child_allowance" in info.actions
    assert spec.summary in text_of(info)
    how = dialogue.handle(info.state, "어디서 신청해요?")
    assert "show:how_to_apply:child_allowance" in how.actions
    assert spec.apply.how in text_of(how)
    assert ", ".join(spec.documents) in text_of(how)


def test_restart_forgets_the_profile(dialogue: Dialogue) -> None:
    turns = talk(dialogue, "72살이고 혼자 살아요", "처음부터 다시 할게요")
    assert "restart" in turns[-1].actions
    assert turns[-1].state.facts == {} and turns[-1].state.pending is None


def test_unclear_messages_get_a_question_with_choices_never_a_guess(
        dialogue: Dialogue) -> None:
    for text in ("ㅁㄴㅇㄹㅁㄴㅇㄹ", "오늘 야구 누가 이겼어요?", "🙂🙂🙂"):
        turn = dialogue.handle(None, text)
        assert turn.actions[0].startswith("clarify"), text
        assert turn.replies[-1].choices, text


def test_other_languages_empty_and_huge_messages(dialogue: Dialogue) -> None:
    assert dialogue.handle(None, "Hello, can you help me?").actions == ["other_language"]
    assert dialogue.handle(None, "Xin chào, tôi cần giúp đỡ").actions == ["other_language"]
    assert dialogue.handle(None, "   ").actions[0] == "clarify:empty"
    huge = dialogue.handle(None, "복지 " * 5000)
    assert huge.replies
    buried = dialogue.handle(None, "기초연금 물어보려고 했는데 " * 200 + "사실 죽고 싶어요")
    assert buried.urgent and "109" in buried.replies[0].text


def test_the_interview_stops_after_max_questions(dialogue: Dialogue) -> None:
    state = None
    turn = None
    for _ in range(dialogue.settings.max_questions + 3):
        turn = dialogue.handle(state, "모르겠어요" if state else "복지 찾아 주세요")
        state = turn.state
        if "show:results" in turn.actions:
            break
    assert turn is not None and "show:results" in turn.actions
    assert state is not None and state.asked <= dialogue.settings.max_questions


def test_offline_answer_still_gives_hotlines(dialogue: Dialogue) -> None:
    replies = dialogue.offline("죽고 싶어요").replies
    assert "109" in replies[0].text and "잠시" not in replies[0].text
    calm = dialogue.offline("기초연금 알려 주세요").replies
    assert len(calm) == 1 and "잠시 후" in calm[0].text


def _offered(dialogue: Dialogue, fact: str) -> list:  # type: ignore[type-arg]
    from bot.dialogue.state import QuickReply

    question = dialogue.responses().questions[fact]
    return [QuickReply(label=c.label, payload=f"answer:{fact}:{i}")
            for i, c in enumerate(question.choices)]


def test_changing_the_household_reopens_what_followed_from_it(dialogue: Dialogue) -> None:
    turns = talk(dialogue, "72살이고 혼자 살아요", "아 잘못 말했네요, 혼자가 아니라 둘이 살아요")
    facts = turns[0].state.facts
    assert facts["spouse"] is False and facts["children_age_months"] == []
    after = turns[-1].state.facts
    assert after["household_size"] == 2 and "spouse" not in after
    assert "correct" in turns[-1].actions and "2인" in text_of(turns[-1])


def test_money_goes_to_earned_income_when_the_resident_says_so(dialogue: Dialogue) -> None:
    state = State(facts={"age": 72, "household_size": 1}, pending="other_income",
                  mode="interview")
    turn = dialogue.handle(state, "아 월급 잘못 말했어요, 180만원이에요")
    assert turn.state.facts["earned_income"] == 1800000
    assert "other_income" not in turn.state.facts
    age_as_income = dialogue.handle(State(pending="earned_income", mode="interview"),
                                    "72살이에요")
    assert "earned_income" not in age_as_income.state.facts


def test_a_benefit_named_is_not_taken_as_received(dialogue: Dialogue) -> None:
    asked = dialogue.handle(None, "저도 기초연금 받을 수 있는지 확인해 주세요")
    assert "current_benefits" not in asked.state.facts
    told = dialogue.handle(None, "저는 기초연금 받고 있어요")
    assert told.state.facts.get("current_benefits") == ["basic_pension"]
