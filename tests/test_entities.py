"""Facts from residents' words: exact values, because they feed the eligibility engine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Extract = Callable[[str], set[tuple[str, object]]]


@pytest.mark.parametrize(("text", "expected"), [
    # ages: digits, Native Korean numerals, 만 나이, corrections; not a programme's rule
    ("72살이에요", {("age", 72)}),
    ("일흔두 살이에요", {("age", 72)}),
    ("만 65세입니다", {("age", 65)}),
    ("일흔여섯이에요", {("age", 76)}),
    ("아 나이 잘못 말했어요, 72예요", {("age", 72)}),
    ("아니 71 아니고 72요", {("age", 72)}),
    ("기초연금 몇 살부터예요 만 65세부터예요?", {("benefit", "basic_pension")}),
    # children
    ("5개월 아기 있어요", {("child_age_months", 5)}),
    ("일곱 살 딸이랑 둘이 살아요", {("child_age_months", 84), ("household_size", 2)}),
    ("월세 3개월 밀렸어요", set()),
    ("일주일에 두세 번 일해요", set()),          # 두세: two or three, counting times
    ("사과 두세 개만 주세요", set()),
    ("아이가 세 살이에요", {("child_age_months", 36)}),
    ("72세 할머니예요", {("age", 72)}),
    # household
    ("혼자 살아요", {("household_size", 1)}),
    ("4인 가구예요", {("household_size", 4)}),
    ("남편이랑 둘이 살아요", {("household_size", 2)}),
    ("아내랑 애 둘", {("household_size", 4)}),
    ("세 식구예요", {("household_size", 3)}),
    ("혼자 애 셋 키워요", {("household_size", 4)}),
    ("네", set()),
    ("엄마랑 둘이 살아요", {("household_size", 2)}),
    # income: month, year ÷ 12, Korean numerals, 만원 units, zero; not rent
    ("월 150만원 벌어요", {("monthly_income", 1_500_000)}),
    ("한 달에 백오십만 원 벌어요", {("monthly_income", 1_500_000)}),
    ("연봉 3600만이에요", {("monthly_income", 3_000_000)}),
    ("연봉 4200", {("monthly_income", 3_500_000)}),
    ("월 280 받아요", {("monthly_income", 2_800_000)}),
    ("소득 없어요", {("monthly_income", 0)}),
    ("국민연금 30만원 받아요", {("monthly_income", 300_000)}),
    ("월세 40만원 내요", set()),
    ("보증금 500에 월세 30이에요", set()),
    ("아동수당 10만원 주는 거 맞아요?", {("benefit", "child_allowance")}),
    # regions
    ("서울 구로구 살아요", {("region", "서울특별시 구로구")}),
    ("수원 살아요", {("region", "경기도 수원시")}),
    ("전남 해남이에요", {("region", "전라남도 해남군")}),
    ("고양이 키워요", set()),
    ("대리 신청도 되나요", set()),
    ("전남편이 찾아와요", set()),
    # benefits, disability
    ("기초수급 받을 수 있나요", {("benefit", "livelihood_benefit")}),
    ("노령연금 얼마예요", {("benefit", "basic_pension")}),
    ("심한 장애가 있어요", {("disability", "severe")}),
    ("장애 5급이에요", {("disability", "mild")}),
    # crisis events
    ("실직했어요", {("crisis_event", "job_loss")}),
    ("전기 끊겼어요", {("crisis_event", "utilities_cut")}),
    ("나중에 실직하면 받을 수 있는 거 있나요", set()),
    ("남편이 때려요", {("crisis_event", "domestic_violence")}),
    ("아빠가 저를 때려요", {("crisis_event", "neglect_abuse")}),
    ("아빠가 엄마를 때려요", {("crisis_event", "domestic_violence")}),
])
def test_entities(extract: Extract, text: str, expected: set[tuple[str, object]]) -> None:
    assert extract(text) == expected


def test_several_facts_in_one_message(extract: Extract) -> None:
    found = extract("68살이고 아내랑 둘이 살아요, 월 80만원 벌어요")
    assert found == {("age", 68), ("household_size", 2), ("monthly_income", 800_000)}


@pytest.mark.parametrize(("text", "expected"), [
    # hypothetical events: "…면", "…게 되면", "… 상태면" have not happened
    ("가게 문 닫게 되면 국취제 신청 가능한가요", {("benefit", "employment_support")}),
    ("혹시 전기 끊기면 에너지바우처로 해결돼요?", {("benefit", "energy_voucher")}),
    ("암에 걸리면 의료급여로 치료비 다 나와요?", {("benefit", "medical_benefit")}),
    ("실직 상태면 국민취업지원제도 수당이 얼마예요?", {("benefit", "employment_support")}),
    ("전기 끊겼는데 어떻게 하면 돼요", {("crisis_event", "utilities_cut")}),
    ("이혼하면서 집을 나왔어요", {("crisis_event", "divorce")}),
    # a kind of person asked about, a show, a café, a trip, maintenance: not the writer's event
    ("노숙인도 기초수급 받을 수 있는지 궁금해요", {("benefit", "livelihood_benefit")}),
    ("이혼한 사람도 한부모 지원 받을 수 있나요?", {("benefit", "single_parent_support")}),
    ("암 같은 큰 병이어도 의료급여로 다 되는 거예요?", {("benefit", "medical_benefit")}),
    ("단전 위기 가구 지원은 어디서 신청해요?", set()),
    ("드라마 보는데 주인공이 쫓겨나서 너무 불쌍했어", set()),
    ("노래방 시간 다 돼서 쫓겨났어요 ㅋㅋ", set()),
    ("카페 알바 잘리고 집에서도 쫓겨났어요",
     {("crisis_event", "job_loss"), ("crisis_event", "eviction")}),
    ("캠핑 가서 차에서 잤더니 허리 아파 ㅋㅋ", set()),
    ("아파트 물탱크 청소로 내일 단수래요", set()),
    ("작년에 전기 끊길 뻔했는데 지금은 괜찮아요", set()),
    ("앞 가게 폐업 정리 세일 한대 옷 사러 가자", set()),
    ("시험 망해서 엄마한테 죽었다 ㅋㅋ", set()),
    # events phrased without the usual words
    ("지금 서울역 근처에서 박스 깔고 자요", {("crisis_event", "homeless")}),
    ("트럭 짐칸에서 먹고 자고 한 지 한 달 됐어요", {("crisis_event", "homeless")}),
    ("보증금 다 날리고 다음 주면 길바닥에 나앉게 생겼어요", {("crisis_event", "eviction")}),
    ("집세 석 달 못 내서 내일 강제로 나가야 돼요", {("crisis_event", "eviction")}),
    ("월세 밀렸다고 집주인이 문을 잠가버렸어요", {("crisis_event", "eviction")}),
    ("병원비가 없어서 암 치료 중단했어요", {("crisis_event", "serious_illness")}),
    ("애들 굶기게 생겼어요 제발 도와주세요", set()),
    # the earner's illness is the event; an injury alone is the earner's loss
    ("남편이 뇌출혈로 쓰러져서 돈 벌 사람이 없어요 애들 밥값도 없어요",
     {("crisis_event", "serious_illness")}),
    ("남편이 다쳐서 일을 못 해서 수입이 없어요",
     {("crisis_event", "main_earner_loss"), ("monthly_income", 0)}),
    # who hurts whom
    ("서방이 때렴수다", {("crisis_event", "domestic_violence")}),
    ("아부지가 엄마를 또 패부렀어라 무서워 죽겄어", {("crisis_event", "domestic_violence")}),
    ("아빠가 엄마 때리는 거 보면 너무 무서워요", {("crisis_event", "domestic_violence")}),
    ("아빠가 술만 먹으면 엄마 때리고 나도 때림",
     {("crisis_event", "domestic_violence"), ("crisis_event", "neglect_abuse")}),
    ("딸이 사위한테 맞고 사는 것 같은데 어째야 하나", {("crisis_event", "domestic_violence")}),
    ("며느리가 나를 밀쳐서 넘어졌슈", {("crisis_event", "neglect_abuse")}),
    ("새아빠가 밤에 제 몸을 만져요 엄마한테 말 못하겠어요", {("crisis_event", "neglect_abuse")}),
    ("우리 엄마 남친이 때려요 같이 사는데 무서워요", {("crisis_event", "neglect_abuse")}),
    ("여자친구랑 같이 사는데 폰 뺏고 못 나가게 문 잠가요 맞기도 해요",
     {("crisis_event", "domestic_violence")}),
    ("어릴 때 아빠한테 많이 맞았지만 지금은 사이 좋아요", {("crisis_event", "neglect_abuse")}),
    ("반 애들이 돈 뺏고 화장실로 끌고 가서 때려요 학교 가기 싫어요", set()),
    ("남편이 술 먹고 들어오는 날은 애들 데리고 찜질방으로 피해요", set()),
    # ages written without spaces or with mixed numerals
    ("나는여든하나고혼자사는디 기초연금받고잇어요",
     {("age", 81), ("household_size", 1), ("benefit", "basic_pension")}),
    ("병원에서 인슐린 주사 맞고 있고 일흔하나예요", {("age", 71)}),
    ("며느리가 나를 굶기고 방에 가둬 팔십둘 먹은 노인네가 어데 갈 데도 없고",
     {("age", 82), ("crisis_event", "neglect_abuse")}),
    # children: 돌이에요, months said apart from the baby
    ("딸이 세 살이고 아들은 이제 돌이에요", {("child_age_months", 36), ("child_age_months", 12)}),
    ("아기 분유가 오늘로 끝인데 살 돈이 없어요 4개월이에요", {("child_age_months", 4)}),
    # household
    ("서귀포 살암수다 혼자우다", {("household_size", 1), ("region", "제주특별자치도 서귀포시")}),
    ("ㅇㅇ 혼자 삼 알바비 월 60", {("household_size", 1), ("monthly_income", 600_000)}),
    ("혼자 사는 노인이 받을 수 있는 복지 뭐 있나요", set()),
    ("혼자 사는 노인이에요", {("household_size", 1)}),
    ("애 둘 키우는 한부모인데 받을 거 있을까요", {("household_size", 3)}),
    ("애들이랑 셋이 모텔에 있어요", {("household_size", 3)}),
    ("애가 셋이에요", set()),
    ("시어머니랑 같이 살아요", set()),
    ("아랫집 할아버지가 아들이랑 사는데 안 돌보는 것 같아요", set()),
    # income written without spaces; the emergency programme's livelihood support
    ("우리집은영감이랑둘이고 연금삼십만원받어요",
     {("household_size", 2), ("monthly_income", 300_000)}),
    ("긴급지원 생계비는 몇 번까지 받을 수 있어요?", {("benefit", "emergency_welfare")}),
    # a trip is not where the household lives
    ("기차표 끊어놨어 내일 부산 가", set()),
    ("여행 계획 다 세웠어요 제주도 3박 4일", set()),
    # fourteenth batch (2026-12-08)
    # a Native numeral before a counter counts things, not years; a date is not money
    ("추심 전화가 하루에 스무 통씩 와요", set()),
    ("김장 서른 포기 했어요", set()),
    ("스물셋 대학생이에요", {("age", 23)}),
    ("연금이 이번 달 20일에 들어오나요?", set()),
    ("상담은 3시에 시작해요", set()),
    # an expense a month is not income; income a month still is, after an expense
    ("약값이 한 달에 이십만 원이에요", set()),
    ("월세가 올라서요 월 180 버는데 받을 수 있나요", {("monthly_income", 1_800_000)}),
    ("실직하고 수입이 한 푼도 없어요", {("crisis_event", "job_loss"), ("monthly_income", 0)}),
    # a 시군구 before 라; events said with particles, places and honorifics the rules missed
    ("경북 봉화라 멀어요", {("region", "경상북도 봉화군")}),
    ("엄마가 일자리를 잃었어요", {("crisis_event", "job_loss")}),
    ("공장 망해서 일 없어요", {("crisis_event", "job_loss")}),
    ("식당 문을 닫고 나서 막막해요", {("crisis_event", "business_closure")}),
    ("집이 경매로 넘어갔어요", {("crisis_event", "eviction")}),
    ("다음 달까지 나가야 된대요", {("crisis_event", "eviction")}),
    ("터미널 대합실에서 자요", {("crisis_event", "homeless")}),
    ("주차장 구석에서 일주일째 주무세요", {("crisis_event", "homeless")}),
    ("어젯밤에 집에 불났어요", {("crisis_event", "fire_disaster")}),
    ("단톡방 불났어 ㅋㅋ", set()),
    # who hurts whom: an answer "아빠요", a grandchild in Jeju speech, a mother's partner
    ("아빠요 오늘도 허리띠로 맞았어요", {("crisis_event", "neglect_abuse")}),
    ("손지가 돈 달라멍 나를 때려", {("crisis_event", "neglect_abuse")}),
    ("엄마 남자친구 그 아저씨가 밤에 제 방에 와서 만져요", {("crisis_event", "neglect_abuse")}),
    ("집주인 아저씨가 열쇠로 제 방에 들어와요 무서워요", set()),
    # fifteenth batch (2026-12-08)
    # ages in Jeju, Chungcheong and Gyeongsang endings; the 만 나이 said first; a correction
    ("나 일흔셋이우다", {("age", 73)}), ("저는유 예순여덟이구유", {("age", 68)}),
    ("할배 여든하나다", {("age", 81)}),
    ("만 예순일곱이고 한국 나이로는 예순아홉이에요", {("age", 67)}),
    ("아 71 아니고 72요", {("age", 72)}), ("만 19세 대학생이에요", {("age", 19)}),
    ("상가 하나 세 줘서 살아요", set()),
    ("딸은 만 2세예요", {("child_age_months", 24)}), ("15개월이요", {("child_age_months", 15)}),
    # households said plainly, in dialect, or by a single parent
    ("혼자임 25살", {("household_size", 1), ("age", 25)}),
    ("할매 혼차 산다", {("household_size", 1)}),
    ("우리 집 다섯 사람 살아요", {("household_size", 5)}), ("우리집 3명", {("household_size", 3)}),
    ("사인 가구요", {("household_size", 4)}), ("엄마랑저랑둘이에요", {("household_size", 2)}),
    ("할매하고 둘이 삽니더", {("household_size", 2)}),
    ("부부랑 애 셋이에요", {("household_size", 5)}),
    ("시부모님이랑 저희 부부 애 둘 여섯 식구예요", {("household_size", 6)}),
    ("저 혼자 딸 키워요", {("household_size", 2)}),
    # money: two earners, a copula after a Sino numeral, expenses after a clause
    ("남편은 연봉 6천이고 저는 월 100 벌어요", {("monthly_income", 5_000_000),
                                              ("monthly_income", 1_000_000)}),
    ("연봉 칠천이에요", {("monthly_income", 5_833_333)}),
    ("남편 연봉 육천인데 빚이 많아요", {("monthly_income", 5_000_000)}),
    ("적금이 월 40이고 버는 건 월 200이에요", {("monthly_income", 2_000_000)}),
    ("부모님 용돈 드리는 20은 빼야 돼요", set()),
    # where the household lives, not the children's home, a place corrected or left
    ("경북 봉화다 둘이 산다", {("region", "경상북도 봉화군"), ("household_size", 2)}),
    ("충남 서천유", {("region", "충청남도 서천군")}),
    ("서울마포구 살아요", {("region", "서울특별시 마포구")}),
    ("세종으로 이사 왔어요", {("region", "세종특별자치시")}),
    ("혼자 살고 자식들은 다 부산에 있어요", {("household_size", 1)}),
    ("구례 말고 곡성이요", {("region", "전라남도 곡성군")}),
    ("여수 살다가 지금은 광주광역시 북구로 왔어요", {("region", "광주광역시 북구")}),
    ("제주시 한림이우다", {("region", "제주특별자치도 제주시")}),
    ("제주 살아요", {("region", "제주특별자치도")}),
    ("애들 아빠가 사고로 죽고 막막해요", {("crisis_event", "main_earner_loss")}),
    ("남편이 죽고 싶대요", set()),
])
def test_dev_error_causes(extract: Extract, text: str, expected: set[tuple[str, object]]) -> None:
    assert extract(text) == expected
