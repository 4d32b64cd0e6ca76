"""Urgent detection that does not depend on the classifier: hard cases both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.crisis import CrisisDetector
from bot.nlu.normalize import Normalizer


@pytest.fixture(scope="module")
def detector(nlu_patterns: Path) -> CrisisDetector:
    return CrisisDetector(nlu_patterns / "crisis.yml")


@pytest.fixture(scope="module")
def detect(nlu_patterns: Path, detector: CrisisDetector):  # type: ignore[no-untyped-def]
    normalize = Normalizer.from_file(nlu_patterns / "normalize.yml")
    return lambda text: detector.detect(normalize(text).text)


@pytest.mark.parametrize(("text", "kind"), [
    ("죽고 싶어요", "suicide"),
    ("죽고십어요", "suicide"),
    ("기초연금 물어보려다… 사실 죽고 싶어요", "suicide"),
    ("다 끝내고 싶어요 살 이유가 없어요", "suicide"),
    ("약을 모아뒀어요", "suicide"),
    ("손목 그었어요", "suicide"),
    ("ㅈㄱㅅㄷ 진심", "suicide"),
    ("시험 망해서 죽고 싶다ㅋㅋ 농담", "suicide"),  # policy: an explicit death wish stays urgent
    ("I want to die", "suicide"),
    ("남편이 때려요", "abuse"),
    ("아빠한테 맞았어요", "abuse"),
    ("옆집 애가 맨날 맞는 소리가 나요", "abuse"),
    ("살려주세요 남편이 칼 들었어요", "abuse"),
    ("당장 먹을 게 없어요", "livelihood"),
    ("월세 밀려서 쫓겨나요", "livelihood"),
    ("짐 싸서 쫓겨났어요", "livelihood"),
    ("전기 끊겼어요", "livelihood"),
    ("사흘째 아무것도 못 먹었어요", "livelihood"),
    ("공원 벤치에서 사흘째 자고 있어요", "livelihood"),
    ("주머니에 천원짜리 두 장 남음 이걸로 며칠 버텨야 되는지 모르겠다", "livelihood"),
    ("당뇨약 끊은 지 2주째예요 약국에서 외상은 안 된대요", "livelihood"),
    ("나 살아봐도 무신 소용 이수과", "suicide"),
    ("장애 있는 동생을 시설에서 때린다는 얘기를 들었어요", "abuse"),  # a report, not a story
    ("아래층에서 매일 밤 여자 비명이랑 뭘 때리는 소리가 나요", "abuse"),  # 비명 is not rain
    ("아들이 내 연금을 다 빼가요", "abuse"),
    ("딸이 제 명의로 대출을 받아놓고 연락을 끊었어요", "abuse"),
    ("다리 위에서 뛰어내리고 싶어요", "suicide"),
    ("나무에 목을 매려고 했어요", "suicide"),
    ("너무 창피해서 죽고 싶어요", "suicide"),
    ("담배 한 대 피우고 옥상에서 뛰어내리고 싶어요", "suicide"),
    ("트램펄린 타다가 생각했는데 베란다에서 뛰어내리고 싶어요", "suicide"),  # a ledge, not play
    ("아빠가 게임한다고 노트북 부수고 나 때렸어 코피 났어 ㅋㅋ", "abuse"),  # 노트북 is not a drum
    ("죽겠다 하는 게 입버릇인 줄 알았는데 요즘은 진짜 실행할 방법을 생각해요", "suicide"),
    # not "X에 목매다" (to be set on something)
    ("지난주에 목 매려고 했는데 줄이 끊어졌어요 다음엔 제대로 할 거예요", "suicide"),
    ("쪽방 건물 철거한다고 다들 나갔는데 나만 남았어", "livelihood"),
    ("남편이 만나면 한 대 때린다 진짜", "abuse"),  # a joke's calm frame, but with family in it
    ("아빠가 나 패버린다ㅋㅋ", "abuse"), ("엄마가 베개로 때렸어요", "abuse"),
    ("아빠가 한 번도 안 때리다가 어제 처음 때렸어요", "abuse"),
    ("서방이 술만 먹으민 손이 올라감수다", "abuse"),
    ("전남친이 우리집 비번을 알아서 내가 없을 때 들어왔어요", "abuse"),
    ("남편이 일을 못 해서 이번 달 생활비가 전혀 없어요", "livelihood"),
    ("전기세 석 달 밀렸는데 이번엔 진짜 끊는다고 사람이 왔어요", "livelihood"),
    ("어제 수면제 스무 알 먹었는데 깨어났어요", "suicide"),
    ("엄마가 동생을 굶기기도 해요", "abuse"),
    ("손목 또 그었어요ㅠ", "suicide"), ("학원 쌤이 자꾸 이상하게 만져요", "abuse"),
    ("전기 끊긴 줄 알았는데 진짜 끊겼어요 밀린 요금 때문에", "livelihood"),
    ("헤어진 남친이 집 앞에서 계속 기다려요", "abuse"),
    ("이웃 할매가 며느리한테 밥도 못 얻어 드시고 방에 갇혀 계신 것 같아유", "abuse"),
    ("아이고 인자 다 귀찮다 이 세상 하직하고 싶다", "suicide"),
    ("전기요금독촉장세번째예요이번엔진짜끊는대요", "livelihood"),
    # thirteenth batch: a jump imagined, an attempt and a new plan, calm frames that stop short
    ("아파트 옥상에서 뛰면 걔들도 후회하겠지", "suicide"),
    ("전에 시도했던 적 있는데 이번엔 날짜를 정했어요", "suicide"),
    ("그때는 엄마가 발견해서 실패했어요", "suicide"),
    ("번개탄 사놨어요 고기 구울 거 아니에요", "suicide"),
    ("고기 구울 때 쓰는 번개탄 말고 진짜로 차에서 피우려고요", "suicide"),
    ("유서 대신 편지 남기고 갈게요", "suicide"),
    ("작년에 쫓겨날 뻔했는데 이번엔 진짜 쫓겨나게 생겼어요", "livelihood"),
    ("남편한테 맞은 적이 있는데 벌써 삼 년 전이에요. 그런데 어제 또 때렸어요", "abuse"),
    ("혹시 집주인이 나가라고 하면 어떡해요 지금 당장 나가래요", "livelihood"),
    ("한강공원에서 자고 있어요 집이 없어서", "livelihood"),
    ("병원에서 깨어났는데 이번엔 제대로 할 거예요", "suicide"), ("이제 영영 떠날게요", "suicide"),
    ("산에 가서 약 먹고 잠들면 아무도 모르겠죠", "suicide"),
    # a story the writer joins: the frames for characters, news and games stop short of a wish
    # of one's own ("나도 죽고 싶다") and of "me too" ("주인공처럼 저도", "나 같은 사람은")
    ("드라마 주인공처럼 나도 죽고 싶다", "suicide"), ("뉴스 보니까 나도 죽고 싶다", "suicide"),
    ("다큐 보는데 나도 저렇게 목숨 끊고 싶더라", "suicide"),
    ("드라마 보다가 나도 주인공처럼 뛰어내리고 싶어졌어", "suicide"),
    ("게임에서 져서 죽고 싶다", "suicide"),
    ("다큐 보니까 나 같은 사람은 죽는 게 낫겠더라", "suicide"),
    ("뉴스에서 한강 투신 얘기 나오는데 나도 가고 싶다", "suicide"),
    ("연예인 자살 뉴스 보니까 나도 그렇게 하고 싶다는 생각이 들어", "suicide"),
    # an anecdote frame reads the words before it: today's beating told as a story is a beating
    ("오늘 남편한테 맞은 얘기 좀 들어주세요", "abuse"),
    ("어제 아빠한테 맞은 이야기 해도 돼요?", "abuse"),
    ("집에서 쫓겨난 얘기 좀 들어줄래요 지금 밖이에요", "livelihood"),
    ("오늘 아빠한테 맞은 썰", "abuse"),
    # a farewell note is not leaving a chat; hanging from a door handle, stairs, a bathroom
    ("여보 먼저 갈게 잘 있어 애들 부탁해", "suicide"),
    ("미안해요 먼저 갈게요 잘 계세요", "suicide"),
    ("엄마 먼저 갈게요 안녕히 계세요 사랑해요", "suicide"),
    ("문고리에 목 매는 거 가능해요?", "suicide"), ("아파트 계단에 목매고 끝낼래요", "suicide"),
    ("화장실에 목 매면 아무도 모르겠지", "suicide"), ("샤워실에 목 매는 법", "suicide"),
    # "지 말도 마세요" is no denial, "때문에" holds no door, "사흘 전에" is not long past,
    # "괜찮은 척" is not settled, a caning "아직도" is no memory, a pet is no landlord
    ("얼마나 팼는지 말도 마세요 온몸이 다 아파요", "abuse"),
    ("며칠이나 굶었는지 말도 마세요", "livelihood"),
    ("오징어 게임 보고 생각났는데 저도 빚 때문에 사채업자한테 맞았어요", "abuse"),
    ("사흘 전에 아빠한테 맞았는데 지금은 멍이 좀 나아졌어요 아빠랑 아직 같이 살아요", "abuse"),
    ("일주일 전에 남편이 때렸는데 지금은 괜찮은 척하고 있어요", "abuse"),
    ("우리 집은 아직도 회초리로 맞는 게 일상이에요", "abuse"),
    ("드라마 주인공처럼 저도 내일 쫓겨나요", "livelihood"),
    ("강아지 키운다고 집주인한테 쫓겨나게 생겼어요", "livelihood"),
    ("회사 잘리고 두 달째 노숙 중이에요", "livelihood"),
    # second audit pass and fourteenth batch: a frame that reached past a method sought, a
    # family member, a death wish, a bridge or a home lost; and crises with no frame at all
    ("웹툰 결말에 주인공이 목 매 죽던데 그게 제일 확실한 방법 같아요", "suicide"),
    ("유튜브에서 자살하는 방법 찾아보다가 사고로 위장하는 법까지 봤어요", "suicide"),
    ("롤에서 현질하다 카드빚 삼백 생겨서 죽을 생각밖에 안 나요", "suicide"),
    ("내가 없어져도 찾을 사람은 아무도 없어요", "suicide"),
    ("아들이 그럼 죽으라 하네요 그래야겠어요", "suicide"),
    ("거짓말 아니야 나 진짜 죽어야지", "suicide"),
    ("한강 가서 뛰어내리려고 자전거 타고 나왔어요", "suicide"),
    ("비상계단에서 뛰어내리면 바로 죽나요", "suicide"),
    ("다리 위에 왔어요 난간이 생각보다 낮아요", "suicide"),
    ("자살 시도한 적은 없는데 이번 주에 하려구요", "suicide"),
    ("어제 줄을 방문 고리에 걸어 봤어요", "suicide"), ("I want to die 진짜 힘들어요", "suicide"),
    ("제가 가고 나면 우리 고양이 좀 키워 주세요", "suicide"),
    ("어제 진통제 한 움큼 먹고 버틴 썰", "suicide"),
    ("드라마 보다가 남편이 재떨이로 때렸어요", "abuse"),
    ("코치한테 어제 맞아 죽는 줄 알았어요", "abuse"), ("학교에서 2대1로 두들겨 맞았어요", "abuse"),
    ("월세 넉 달 치가 밀렸어요", "livelihood"), ("요즘 친구 자취방 바닥 신세예요", "livelihood"),
    ("어제 방 빼라고 해서 나왔는데 저 같은 노숙자도 쉼터 갈 수 있나요", "livelihood"),
    ("드라마에서는 다 잘 풀리던데 저희는 집에 압류 딱지 붙었어요", "livelihood"),
    ("밥은 못 먹었어요 사흘째요", "livelihood"),
    ("유통기한 지난 빵 버리는 거 있으면 좀 주세요", "livelihood"),
    ("영감이 작년에 먼저 갔어요 저도 따라갈 거예요", "suicide"),
    ("엄마 곁으로 가고 싶어", "suicide"),
    # crises said outright that only the classifier had caught in dev and nlu/check
    ("고마 콱 죽어뿌고 싶다 인자", "suicide"), ("이제 더 버틸 이유가 없어요", "suicide"),
    ("수면제 한 통 다 먹었어요", "suicide"), ("어제 허벅지에 또 그었어", "suicide"),
    ("살충제 마시면 바로 죽나요", "suicide"), ("아침에 눈이 안 떠졌으면 좋겠어요", "suicide"),
    ("제가 없어지는 게 답인 것 같아요", "suicide"), ("요즘 사는 게 아무 의미가 없어요", "suicide"),
    ("고통 없이 죽는 법 알려줘", "suicide"), ("옥상 난간에 걸터앉아 있어요", "suicide"),
    ("인생을 그만두고 싶어요", "suicide"), ("다음 달이면 저는 이 세상에 없을 거예요", "suicide"),
    ("그만 살라고 맘 묵었다", "suicide"), ("이렇게 사느니 죽는 게 나아", "suicide"),
    ("신랑이 술만 먹으면 나를 패요", "abuse"), ("남편이 싫다고 해도 억지로 해요", "abuse"),
    ("계부가 밤마다 제 방에 들어와요", "abuse"), ("아빠 차 소리만 나면 방에 숨어요", "abuse"),
    ("엄마가 이틀째 집에 안 들어와요", "abuse"), ("멍은 긴팔로 가리면 돼요", "abuse"),
    ("공원에서 잔 지 닷새 됐어요", "livelihood"),
    ("돈이 없어서 아무것도 못 먹었어요", "livelihood"),
    ("월세 못 내서 오늘 방 빼야 돼요", "livelihood"), ("내일까지 집 비워줘야 해요", "livelihood"),
    ("어젯밤 불나서 집이 다 타 버렸어요", "livelihood"), ("가스 끊으러 온대요", "livelihood"),
    ("애들 밥도 못 먹여요", "livelihood"), ("밥 먹은 지 사흘 됐어요", "livelihood"),
    ("수도까지 끊겼어요", "livelihood"), ("일주일째 밥을 못 먹었어요", "livelihood"),
    ("아빠가 자꾸 죽어버리겠대요", "suicide"), ("수면제 먹고 조용히 잠들고 싶다", "suicide"),
    ("빚 때문에 세상 뜨려고요", "suicide"), ("요즘 살고 싶은 마음이 없어요", "suicide"),
    ("이번 겨울은 넘기고 싶지 않아요", "suicide"),
    ("보험금이라도 애들한테 남겨주고 싶어요", "suicide"),
    ("엄마한테 남길 편지 써놨어요", "suicide"), ("여기서 끝내는 게 맞는 것 같아", "suicide"),
    ("그냥 빨리 죽었으면", "suicide"), ("사람 없는 바다를 찾아보고 있어요", "suicide"),
    ("약을 안 먹고 모아 두고 있어요", "suicide"),
    ("아빠가 엄마를 패요", "abuse"), ("사장이 여권을 가져갔어요", "abuse"),
    ("남편이 친정도 못 가게 해요", "abuse"), ("허리띠로 맞았어요", "abuse"),
    ("남편이 어제 발로 찼어요", "abuse"), ("옆집에서 비명 소리가 들려요", "abuse"),
    ("반 애들이 내 사진을 합성해서 돌려요", "abuse"), ("아들이 집에 불 지른다고 해요", "abuse"),
    ("오늘 저녁거리도 없어요", "livelihood"), ("집도 없어서 역에서 지내요", "livelihood"),
    ("먹고 살 길이 없어요", "livelihood"), ("사흘째 끼니를 걸렀어요", "livelihood"),
    ("오늘 밤 어디서 자야 할지 모르겠어요", "livelihood"),
    ("애 셋 밥을 못 먹이고 있어요", "livelihood"), ("분윳값이 없어요", "livelihood"),
    ("엄마 남자친구 그 아저씨가 밤에 제 방에 와서 만져요", "abuse"),
])
def test_crises_are_urgent(detect, text: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) == kind


@pytest.mark.parametrize("text", [
    "더워 죽겠다", "배고파 죽겠네", "좋아 죽겠어", "죽을 때까지 함께하고 싶다", "웃겨 죽겠네 ㅋㅋ",
    "모기 때려잡았어", "알바 때려치웠어 ㅋㅋ", "정답 맞았어요", "저한테 맞는 복지 추천해 주세요",
    "전기요금 얼마 나왔는지 어떻게 봐요", "자살 예방 교육 어디서 해요", "72살혼자살아요",
    "주말에 한강 가서 자전거 탈 거예요", "다이어트 한다고 저녁 굶었더니 배고파 죽겠다",
    "pc방 마감이라고 쫓겨남ㅋㅋ 집 가야지", "먼저 갈게요~", "폭력 예방 교육 자료 있나요",
    "대학 때 월세 밀려서 쫓겨날 뻔한 적 있는데 지금 생각하면 웃겨요",
    "우리 어머니는 6.25 때 피난 가서 굶주렸다는 얘기를 자주 하셨어요",
    "이삿날 가스 끊고 가야 하나요?", "언니랑 싸워서 머리채 잡을 뻔 ㅋㅋ 근데 치킨 시켜서 화해함",
    "월급 들어오면 또 다님 ㅋㅋ",
    "비가 창문을 세게 때려서 잠을 못 잤어요", "드럼 배우는데 심벌 세게 때리니까 귀가 멍해요",
    "우리 팀 오늘 3대0으로 두들겨 맞았다 ㅠ", "우리 팀장님은 실적에 목을 매셔서 피곤함",
    "트램펄린에서 뛰어내리기 하고 놀아요", "창피해서 죽고 싶었다 ㅋㅋㅋ",
    "전기세 폭탄 맞을까 봐 걱정이에요", "공항 벤치에서 노숙했다 ㅋㅋ",
    "우리 강아지가 소파에서 쫓겨나서 삐졌어요", "큰북을 세게 두들기는 게 재밌어요",
    "죽기 전에 버킷리스트 실행할 방법을 찾고 있어요",
    "요즘 이번 자격증에 목매고 있어서 주말에도 도서관 가요", "돈에 목매는 세상이 싫다",
    "옆 건물 철거 공사 포크레인 소리 때문에 시끄러워요",
    "야 너 내 치킨 다리 먹으면 진짜 패버린다ㅋㅋ", "친구가 영화 스포함 만나면 한 대 때린다 진짜",
    "룸메가 알람 열 개 맞춰놓음 오늘 베개로 두들겨 팰 예정",
    "옛날엔 할매가 부지깽이로 때린다고 겁만 주셨지 한 번도 안 때리심ㅋㅋ",
    "웹툰에서 주인공이 악당 멱살 잡고 벽에 처박는 장면 작화 미쳤음",
    "수박 깨기 하는데 몽둥이로 내리쳤더니 헛스윙ㅋㅋ", "바디프로필 찍는다고 탄수화물 굶는 중ㅋㅋ",
    "10년 전에 길에서 자던 시절 생각하면 지금 내 집 있는 게 꿈 같아요",
    "살려주세요 저희 집 고양이가 키보드 위에서 안 내려와요",
    "진통제 두 알 먹었어요", "이번엔 진짜 담배 끊는대요",
    "옛날 보릿고개 때는 진짜 굶기도 했지 요즘 애들은 모를 거여",
    "고양이가 자꾸 만져달라고 해요", "아기가 자꾸 얼굴을 만져요",
    "마라탕 4단계 먹었다가 입에서 불나서 죽을 뻔", "모기 때문에 밤새 못 잤어 다 잡아 죽여버릴 거야",
    "전기 끊긴 줄 알고 깜짝 놀랐는데 그냥 차단기 내려간 거였음 ㅋㅋ",
    "작년 겨울에 가스 끊겼던 적 있었는데 지금은 다 내서 정상이에요",
    "어릴 때는 가난해서 라면 하나로 세 식구가 나눠 먹었지 지금은 다 옛날 얘기야",
    "공원에서 자전거 타고 왔어요", "삼겹살은 번개탄 말고 참숯에 구워야 맛있지",
    "여친이 너 죽을래? 하고 웃어요 ㅋㅋ", "유서 말고 가족한테 편지 쓰는 웰다잉 수업 있나요",
    "수도세 밀렸었는데 어제 다 냈어요",
    "학교 다닐 때 형들한테 맞은 적이 있는데 벌써 이십 년 된 일이에요",
    "만약 나중에 집주인이 나가라고 하면 어디에 물어봐요", "새벽에 깼는데 또 할 게 많아",
    "감기약 먹고 누워 있으면 편하대요", "영영 안 올 줄 알았던 봄이 왔네",
    "재작년에 쫓겨날 뻔했는데 주거급여 덕에 버텼어요",
    "예전엔 남편한테 맞고 살았는데 이혼하고 지금은 편하게 살아요",
    # …but a wish reported of a character stays theirs
    "소설에서 주인공이 죽고 싶다고 하던데 그 책 제목이 뭐였지",
    "드라마 주인공이 죽고 싶어 했던 이유가 뭐였더라", "드라마 주인공이 목숨 끊는 장면 너무 슬펐어",
    "게임에서 맞고 죽고 난리였음", "자살 예방 교육 받았는데 나도 강사 하고 싶어요",
    "군대에서 맞은 썰 푼다 ㅋㅋ",
    "피시방에서 쫓겨난 썰 ㅋㅋ",
    "저 먼저 갈게요 안녕히 계세요 내일 봬요",
    "먼저 갈게요 수고하셨습니다", "실적에 목매는 팀장",
    "어릴 때 아빠한테 맞았는데 지금은 사이 좋아요", "옛날엔 회초리로 맞는 게 일상이었죠",
    "십 년 전에 남편한테 맞았었는데 지금은 이혼하고 따로 살아요 잘 지내요",
    "현관문에 이마 맞았어 ㅠ",
    "드라마 주인공이 집에서 쫓겨나는 장면 보고 울었어요", "강아지가 소파에서 쫓겨났어요 ㅋ",
    "회사에서 야근하다 거의 노숙했어요 ㅋ", "학창 시절 선생님한테 맞은 얘기는 다들 하나씩 있죠",
    "오늘 단톡방에서 누가 라면 하나로 이틀 버틴 썰 푸는데 다들 군대 얘기로 넘어감 ㅋㅋ",
    # …and their calm twins
    "서울역 가는 제일 편한 방법 알려주세요", "롤에서 계속 죽어서 짜증나요 ㅋㅋ",
    "할매가 거짓말하면 죽어야지 하셨다 ㅋㅋ", "한강 가서 자전거 타고 치킨 먹었어요",
    "버스 계단에서 뛰어내리다 넘어졌어요", "버스 타고 다리 건너서 출근해요",
    "자살 예방 교육 오늘 처음 하려고요", "드라마에서 남편이 아내를 때리는 장면 보고 울었어요",
    "부장님한테 맞아 죽겠다 ㅋㅋ 보고서 또 늦었어", "어제 경기 3대1로 두들겨 맞았다 ㅋㅋ",
    "노숙자도 기초수급 받을 수 있나요", "드라마에서 보면 압류 딱지 붙이는 장면 많이 나오잖아요",
    "군대에서 감기약 한 움큼 먹고 버틴 썰 ㅋㅋ", "빨랫줄을 문고리에 걸어 봤는데 안 되네요",
    "제가 출장 가고 나면 고양이 밥 좀 부탁해요", "밥을 못 먹었어요 어제 바빠서요",
    "유통기한 지난 우유 버리는 방법 알려주세요", "우리 막내가 형 머리를 때려서 웃겨요 ㅋㅋ",
    "15개월 아기인데 요즘 때리는 시기래요",
    "초등학생 딸이 반 친구랑 머리채 잡고 싸웠대서 학교 갔는데 서로 사과하고 끝났어요",
    "엄마가 먼저 갔어요 저는 따라가서 짐 들어드렸어요",
    "아기 곁으로 가서 재웠어요",
    "더버 죽어뿌겠다 진짜", "감기약 다 먹었어요 이제 안 아파요", "자로 줄 그었어요 공책에",
    "제초제 뿌리려는데 장갑 껴야 돼요?", "이 방법이 답인 것 같아요",
    "고통 없이 치료받는 방법 있나요",
    "회사를 그만두고 싶어요", "이제 그만 살 빼야지", "오늘 달걀 패는 날", "공부를 억지로 해요",
    "오빠가 내 방에 들어와서 노트북 가져갔어", "고기가 다 타 버렸어요", "밥 먹은 지 얼마 안 됐어요",
    "누나랑 리모컨 가지고 싸우다 베개로 처맞음",
    "약 먹고 그냥 잘게요 감기라서", "크리스마스 카드 써놨어요",
    "오늘은 여기서 끝내는 게 좋겠어요 회의",
    "약을 안 먹고 버티다가 병원 갔어요", "아들이 공을 발로 찼어요", "분유값이 얼마예요",
    "친구가 먼저 갔어 나도 곧 따라갈게 거기서 보자",
])
def test_hyperbole_and_near_misses_stay_calm(detect, text: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "폭력 같은 건 없어요 그냥 돈이 좀 부족한 거지",
    "아니요 때리거나 그런 사람 없어요",
    "아니 쫓겨난 거 아니고 그냥 이사하는 거예요",
    "전기 끊기거나 그런 적은 한 번도 없어요",
    "굶은 적은 없어요",
    "폭력은 아니고 그냥 남편이 실직해서 빠듯해요",
    "남편이 때리지는 않아요",
])
def test_denied_crisis_words_are_calm(detect, text: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) is None


@pytest.mark.parametrize(("text", "kind"), [
    ("남편이 매일 때려요 이런 일 없었으면 좋겠어요", "abuse"),  # a wish is not a denial
    ("죽고 싶은 건 아닌데 그냥 사라지고 싶어요", "suicide"),   # the other words still count
    ("장난이 아니라 진짜 죽고 싶어", "suicide"),
    ("때린 적 없다고 하는데 아빠가 또 때렸어요", "abuse"),
])
def test_a_denial_voids_only_the_words_it_follows(detect, text: str,  # type: ignore[no-untyped-def]
                                                   kind: str) -> None:
    assert detect(text) == kind


@pytest.mark.parametrize(("text", "kind"), [
    ("아동학대처벌법이랑 아동복지법 차이가 뭐예요?", "abuse"),
    ("노숙인 쉼터는 몇 시에 문 열어요", "livelihood"),
    ("드라마 보다가 자살이라는 말이 나와서 놀랐어", "suicide"),
    ("이번 달 넘기면 저는 없을 거예요", "suicide"),  # or a move: the classifier decides
    ("애들한테는 엄마가 멀리 여행 갔다고 해주세요", "suicide"),
    ("도와주세요 너무 무서워요", "abuse"),
    ("바다 보러 혼자 왔어요. 다시 돌아갈 생각은 없어요.", "suicide"),
])
def test_a_topic_word_needs_the_classifier(detector: CrisisDetector, text: str,
                                           kind: str) -> None:
    assert detector.detect(text) == kind  # no classifier to ask: urgent, to be safe
    assert detector.detect(text, lambda s, e: 0.9, 0.2) == kind
    assert detector.detect(text, lambda s, e: 0.05, 0.2) is None
    assert all(h.topic for h in detector.hits(text))


def test_an_act_is_urgent_whatever_the_classifier_says(detector: CrisisDetector) -> None:
    assert detector.detect("남편이 때려요", lambda s, e: 0.0, 0.2) == "abuse"
    assert detector.detect("죽고 싶어요", lambda s, e: 0.0, 0.2) == "suicide"


def test_the_lean_is_asked_about_the_topic_words_own_span(detector: CrisisDetector) -> None:
    text = "기초연금 문의요. 그리고 사실 남편 폭력 때문에 집을 나왔어요"
    asked: list[str] = []

    def lean(start: int, end: int) -> float:
        asked.append(text[start:end])
        return 0.9

    assert detector.detect(text, lean, 0.2) == "abuse"
    assert asked == ["폭력"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    - 죽고\\s*싶\n", "    - 죽고(\\s*싶\n", "suicide.patterns: invalid pattern"),
    ("  topics:\n    - 마지막", "  topics:\n    - 마지막(", "suicide.topics: invalid pattern"),
    ("denials:\n", "denials:\n  - '(?:같은'\n", "denials: invalid pattern"),
    ("\ncalm:\n", "\ncalm:\n  - '(?:드라마'\n", "calm: invalid pattern"),
])
def test_a_broken_pattern_is_reported_at_its_line(tmp_path: Path, nlu_patterns: Path, old: str,
                                                  new: str, message: str) -> None:
    from bot.yamlio import Problem

    text = (nlu_patterns / "crisis.yml").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    broken = tmp_path / "crisis.yml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(Problem) as info:
        CrisisDetector(broken)
    line = text[:text.index(new) + len(new)].rstrip("\n").count("\n") + 1
    assert str(info.value).startswith(f"{broken}:{line}:"), str(info.value)
    assert message in str(info.value)


def test_a_missing_section_is_reported(tmp_path: Path) -> None:
    from bot.yamlio import Problem

    broken = tmp_path / "crisis.yml"
    broken.write_text("suicide:\n  patterns: [죽고\\s*싶]\nabuse:\n  patterns: [때려]\n",
                      encoding="utf-8")
    with pytest.raises(Problem) as info:
        CrisisDetector(broken)
    assert "livelihood: Field required" in str(info.value)


def test_shared_calm_covers_every_type_and_a_types_own_only_that_type(tmp_path: Path) -> None:
    path = tmp_path / "crisis.yml"
    path.write_text(
        "calm:\n  - 드라마\\S*\\s*(?:\\S+\\s*){0,3}?\\S*(?:죽|때려)\\S*\n"
        "suicide:\n  patterns: [죽고\\s*싶]\n  calm: [시험\\s*망해서\\s*죽고\\s*싶]\n"
        "abuse:\n  patterns: [때려]\n"
        "livelihood:\n  patterns: [굶]\n", encoding="utf-8")
    detector = CrisisDetector(path)
    assert detector.detect("드라마에서 주인공이 죽고 싶다고 하더라") is None
    assert detector.detect("드라마 속 남편이 때려요") is None
    assert detector.detect("시험 망해서 죽고 싶다") is None
    assert detector.detect("시험 망해서 때려요") == "abuse"  # suicide's own calm: not abuse's
    # beyond its span
    assert detector.detect("드라마 다 봤어요. 그런데 집에만 오면 남편이 때려요") == "abuse"


def test_a_reopener_after_a_calm_context_brings_its_words_back(tmp_path: Path) -> None:
    path = tmp_path / "crisis.yml"
    path.write_text(
        "reopen: [부러워]\n"
        "calm:\n  - 드라마\\S*\\s*(?:\\S+\\s*){0,3}?\\S*죽\\S*\n"
        "suicide:\n  patterns: [죽]\n"
        "abuse:\n  patterns: [때려]\n"
        "livelihood:\n  patterns: [굶]\n", encoding="utf-8")
    detector = CrisisDetector(path)
    assert detector.detect("드라마에서 주인공이 죽는 장면") is None
    assert detector.detect("드라마에서 주인공이 죽는 게 부러워") == "suicide"
    assert detector.detect("부러워서 드라마를 봤는데 주인공이 죽어") is None  # before it: no


@pytest.mark.parametrize(("text", "kind"), [
    ("자살했다는 뉴스 볼 때마다 부러워요", "suicide"),
    ("기사 봤는데 한강 다리에서 뛰어내린 사람 부러웠어요", "suicide"),
    ("뉴스에서 목매 죽은 사람 얘기 나오는데 그 방법밖에 없는 것 같아", "suicide"),
    ("학창 시절 자해하던 기억 때문에 요즘 다시 손이 가요", "suicide"),
    ("자해한 적이 있는데 몇 년 전이고 요즘 다시 칼을 들게 돼요", "suicide"),
    ("창피해서 죽고 싶었어ㅋㅋ 아직도 그래 진짜로", "suicide"),
    ("메이플에 돈 다 꼴아박고 이제 목숨 끊을 준비 중이에요", "suicide"),
    ("드라마 주인공이 목숨 끊는 장면 보니까 솔직히 부럽네요", "suicide"),
    ("예전엔 죽고 싶다는 생각이 무서웠는데 지금은 괜찮아요 오히려 담담해요", "suicide"),
    ("옥상에서 뛰어내릴 뻔한 적 있는데 지금 생각하면 차라리 그때 죽었어야 했어요", "suicide"),
    ("옥상에 올라왔어요 화분 물 주러 온 거 아니에요", "suicide"),
    ("예전에 아빠가 때렸었는데 지금은 따로 살아요 근데 요즘 자꾸 찾아와서 문 두드려요", "abuse"),
    ("영화 주인공 아빠가 때리는 거 보니까 우리 아빠랑 똑같아요", "abuse"),
    ("맞았던 건 예전인데 지금도 맞고 살아요", "abuse"),
    ("예전에 가스 끊겼었는데 지금은 해결된 줄 알았거든요 근데 또 끊겼어요", "livelihood"),
    ("작년에 쫓겨났었는데 지금은 임대주택 살아요 근데 또 그렇게 됐어요", "livelihood"),
    ("노숙인 분들 쉴 곳 알려주세요 저도 지금 그래요", "livelihood"),
])
def test_the_writer_there_now_reopens_a_calm_context(detect, text: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) == kind


@pytest.mark.parametrize("text", [
    "회사 때려치우고 창업 준비 중인데 받을 수 있는 혜택 있을까요?",
    "드라마에서 주인공이 목숨 끊는 장면 보고 울었어요",
    "예전에 자해했었는데 지금은 괜찮아요 상담 받고 나았어요",
    "뉴스에서 목매 숨진 사건 나오더라 안타까워",
    "예전에 힘들었는데 지금은 괜찮아요 담담하게 얘기할 수 있어요",
    "뛰어내릴 뻔한 적 있는데 지금 생각하면 웃겨요 놀이공원 번지점프였거든요",
    "옥상에 올라왔어요 화분 물 주러요", "예전에 아빠가 때렸었는데 지금은 따로 살아요 잘 지내요",
    "노숙인 분들 도와주는 곳 알려주세요 봉사하고 싶어요",
    "자살 예방을 위한 가장 확실한 방법은 관심이래요",
])
def test_no_reopener_no_reopening(detect, text: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) is None


def test_a_word_list_is_shared_by_the_patterns_that_name_it(tmp_path: Path) -> None:
    path = tmp_path / "crisis.yml"
    path.write_text(
        "words:\n  family: [아빠, 엄마]\n"
        "calm:\n  - 태권도\\S*\\s*(?:(?!{family})\\S+\\s*){0,4}?\\S*맞\\S*\n"  # {0,4}: a quantifier
        "suicide:\n  patterns: [죽고\\s*싶]\n"
        "abuse:\n  patterns: ['맞(?:았|아)', '{family}\\S*\\s*때려']\n"
        "livelihood:\n  patterns: [굶]\n", encoding="utf-8")
    detector = CrisisDetector(path)
    assert detector.detect("태권도 대련하다 발차기 맞았어요") is None
    assert detector.detect("태권도 다녀왔는데 아빠한테 맞았어요") == "abuse"  # the frame stops
    assert detector.detect("엄마가 때려요") == "abuse"


def test_an_unknown_word_list_is_reported_at_its_line(tmp_path: Path) -> None:
    from bot.yamlio import Problem

    path = tmp_path / "crisis.yml"
    path.write_text("words:\n  family: [아빠]\nsuicide:\n  patterns: [죽고\\s*싶]\n"
                    "abuse:\n  patterns:\n    - '{familly}\\S*\\s*때려'\n"
                    "livelihood:\n  patterns: [굶]\n", encoding="utf-8")
    with pytest.raises(Problem) as info:
        CrisisDetector(path)
    assert str(info.value).startswith(f"{path}:7:"), str(info.value)
    assert "no word list 'familly'" in str(info.value) and "family" in str(info.value)
