"""The conversation: one resident message and the state so far in, replies and new state out.

`Dialogue.handle` is pure (no Redis, no clock but `today`), so stories, benchmarks and every
channel drive exactly the same logic; bot/dialogue/service.py adds locking and storage.

Order of concerns for every message, first match wins:
1. a crisis, at any point (hotline first, then a case for a caseworker);
2. a quick reply (button, its number, or its label typed); 네/아니요 to a safety check-in;
3. no text, other languages, emoji only;
4. steering words in a short message: 뒤로, 왜요?, 모르겠어요 (to a question), 신청 방법;
5. an answer to the pending question, plus any other facts in the message;
6. the intent.
Then, if the message leaned toward a crisis without being urgent, a safety check-in: the
hotline and a gentle question, last, so that "네" answers it (a case only on "네").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.dialogue import answers, present
from bot.dialogue.hotlines import hotline_text
from bot.dialogue.responses import Question, Responses
from bot.dialogue.state import RANK, CaseRequest, OpenCase, QuickReply, Reply, State, Turn
from bot.eligibility.explain import reasons, show
from bot.eligibility.questions import rank_missing
from bot.eligibility.rulebook import Evaluation, InputError, RuleSet
from bot.nlu.crisis import CRISIS_TYPES
from bot.nlu.model import NLU, Parse
from bot.settings import DialogueSettings, HandoffSettings

SHORT = 20  # steering words count only in messages this short ("왜요?", "뒤로 갈래요")
POPULAR = ["basic_pension", "livelihood_benefit", "child_allowance", "emergency_welfare"]
INTENTS_WITH_TOPIC = ("benefit_info", "how_to_apply")


class _Out:
    """Replies and actions of the turn being built."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.actions: list[str] = []
        self.case: CaseRequest | None = None
        self.benefits: list[str] = []
        self.steered = False  # a steering word (모르겠어요, 뒤로): its meaning is known

    def say(self, text: str, action: str | None = None,
            choices: list[QuickReply] | None = None) -> None:
        self.replies.append(Reply(text=text, choices=choices or []))
        if action:
            self.actions.append(action)


class Dialogue:
    def __init__(self, nlu: NLU, rules: Callable[[], RuleSet], responses: Callable[[], Responses],
                 settings: DialogueSettings, clarify_below: float,
                 today: Callable[[], dt.date] = dt.date.today,
                 priorities: dict[str, str] | None = None) -> None:
        self.nlu = nlu
        self.rules = rules
        self.responses = responses
        self.settings = settings
        self.clarify_below = clarify_below
        self.today = today
        self.priorities = priorities or dict(HandoffSettings().priorities)

    # ---- entry points -------------------------------------------------------------------

    def handle(self, state: State | None, text: str, payload: str | None = None) -> Turn:
        st = (state or State()).model_copy(deep=True)
        st.turns += 1
        out = _Out()
        r = self.responses()
        rules = self.rules()
        if payload is None:
            payload = self._offered_payload(st, text)
        parse = self.nlu.parse(text)
        asked, st.check_in = st.check_in, None  # a check-in is answered now or not at all
        if parse.urgent and payload is None:
            self._urgent(st, parse, out, rules, r)
        elif payload is not None:
            self._payload(st, payload, parse, out, rules, r)
        elif asked is None or not self._check_in_answer(st, asked, parse, out, rules, r):
            self._message(st, parse, out, rules, r)
        if not out.replies:  # every message gets an answer
            self._clarify(st, out, rules, r)
        if parse.check_in and payload is None and out.case is None and st.case_id is None \
                and not out.steered and parse.check_in not in st.check_in_declined:
            self._check_in(st, parse.check_in, out, r)
        st.offered = out.replies[-1].choices
        return Turn(replies=out.replies, actions=out.actions, state=st, case=out.case,
                    intent=parse.intent, urgent=parse.urgent, crisis_type=parse.crisis_type,
                    benefits=out.benefits)

    def waiting(self, state: State | None, text: str, case: OpenCase) -> Turn:
        """A message while the resident's case is open: it goes to the caseworker, and the bot
        only says where they stand (place in line, usual wait; the hotline again when the
        case is critical) or, once a person has the case, keeps out of their conversation.
        A crisis still gets its hotline first, and raises a lower-priority case."""
        st = (state or State()).model_copy(deep=True)
        st.turns += 1
        st.offered = []  # a typed "1" now goes to the caseworker, not to an old menu
        out = _Out()
        m = self.responses().messages
        parse = self.nlu.parse(text)
        priority, reason = case.priority, case.reason
        if parse.urgent:
            assert parse.crisis_type is not None
            out.say(hotline_text(m.urgent, parse), f"hotline:{parse.crisis_type}")
            raised = self.priorities.get(parse.crisis_type, "high")
            if RANK[raised] < RANK[priority]:
                priority, reason = raised, parse.crisis_type  # type: ignore[assignment]
                out.case = CaseRequest(priority=priority, reason=reason)  # type: ignore[arg-type]
                out.actions.append(f"handoff:raised:{priority}")
        if case.status == "waiting":
            out.say(present.fill(m.human.waiting, position=case.position,
                                 minutes=max(1, round(case.minutes))), "handoff:waiting")
            if priority == "critical" and not parse.urgent:
                out.say(getattr(m.human.reminder, reason))
        else:
            out.actions.append("handoff:relay")
            if parse.urgent:
                out.say(m.human.relayed)
        return Turn(replies=out.replies, actions=out.actions, state=st, case=out.case,
                    intent=parse.intent, urgent=parse.urgent, crisis_type=parse.crisis_type)

    def start(self, state: State | None) -> Turn:
        """The greeting a channel shows when a resident arrives (/start, a new console)."""
        st = (state or State()).model_copy(deep=True)
        reply = self.greeting()
        st.offered = reply.choices
        return Turn(replies=[reply], actions=["greet"], state=st)

    def summary(self, st: State) -> dict[str, Any]:
        """Each benefit's verdict, amount and reasons: what a caseworker sees in a case."""
        ev = self._evaluate(st.model_copy(deep=True), self.rules())
        return {bid: {"status": res.status, "amount": res.amount,
                      "reasons": reasons(res)} for bid, res in ev.results.items()}

    def offline(self, text: str, busy: bool = False) -> Turn:
        """The message cannot be handled now: Redis is unreachable, or (busy) the resident's
        previous message is still in progress. Nothing is stored, but a crisis still gets
        its hotline."""
        r = self.responses().messages
        parse = self.nlu.parse(text)
        replies = [Reply(text=r.busy)] if busy else []
        if parse.urgent:
            replies.append(Reply(text=hotline_text(r.urgent, parse)))
            if not busy:
                replies.append(Reply(text=r.unavailable.urgent))
        elif not busy:
            replies.append(Reply(text=r.unavailable.text))
        return Turn(replies=replies, actions=["busy" if busy else "unavailable"], state=State(),
                    intent=parse.intent, urgent=parse.urgent, crisis_type=parse.crisis_type)

    def emergency(self, text: str) -> Reply | None:
        """The hotline for an urgent message that cannot get a conversation (a group chat,
        a resident over the rate limit); None when the message is not urgent."""
        parse = self.nlu.parse(text)
        if not parse.urgent:
            return None
        return Reply(text=hotline_text(self.responses().messages.urgent, parse))

    def closed(self) -> Reply:
        return closed_reply(self.responses().messages)

    def greeting(self) -> Reply:
        r = self.responses().messages
        return Reply(text=r.greeting, choices=self._menu(r))

    # ---- the stages ----------------------------------------------------------------------

    def _urgent(self, st: State, parse: Parse, out: _Out, rules: RuleSet, r: Responses) -> None:
        assert parse.crisis_type is not None
        self._escalate(st, parse, parse.crisis_type, out, r)
        found = answers.from_entities(parse, st.pending, False, rules.regions)
        self._store(st, found, rules)
        out.say(r.messages.urgent.ask_more)

    def _escalate(self, st: State, parse: Parse, kind: str, out: _Out, r: Responses) -> None:
        """The hotline, then a case for a caseworker (or a word that one is on its way)."""
        m = r.messages
        out.say(hotline_text(m.urgent, parse, kind), f"hotline:{kind}")
        priority = self.priorities.get(kind, "high")
        if st.case_id is None:
            out.case = CaseRequest(priority=priority, reason=kind)  # type: ignore[arg-type]
            out.actions.append(f"handoff:{priority}")
        else:
            out.say(m.urgent.again)
            out.actions.append("handoff:already")

    def _check_in(self, st: State, kind: str, out: _Out, r: Responses) -> None:
        c = r.messages.check_in
        out.say(getattr(c, kind), f"check_in:{kind}",
                [QuickReply(label=c.yes_label, payload=f"check_in:yes:{kind}"),
                 QuickReply(label=c.no_label, payload=f"check_in:no:{kind}")])
        st.check_in = kind  # type: ignore[assignment]

    def _check_in_answer(self, st: State, kind: str, parse: Parse, out: _Out, rules: RuleSet,
                         r: Responses) -> bool:
        """네 (or asking for a person) calls a caseworker for the crisis asked about; 아니요 is
        respected. Anything else is an ordinary message and the question lapses."""
        if parse.confidence < self.clarify_below or len(parse.text.strip()) > SHORT:
            return False
        if parse.intent in ("affirm", "request_human"):
            self._check_in_reply(st, "yes", kind, parse, out, rules, r)
        elif parse.intent == "deny":
            self._check_in_reply(st, "no", kind, parse, out, rules, r)
        else:
            return False
        return True

    def _check_in_reply(self, st: State, answer: str, kind: str, parse: Parse, out: _Out,
                        rules: RuleSet, r: Responses) -> None:
        if kind not in CRISIS_TYPES:
            self._clarify(st, out, rules, r)
        elif answer == "yes":
            self._escalate(st, parse, kind, out, r)
            out.say(r.messages.urgent.ask_more)
        else:
            if kind not in st.check_in_declined:
                st.check_in_declined.append(kind)  # type: ignore[arg-type]
            out.say(r.messages.check_in.declined, f"check_in:declined:{kind}")
            self._resume(st, out, rules, r)

    def _payload(self, st: State, payload: str, parse: Parse, out: _Out, rules: RuleSet,
                 r: Responses) -> None:
        m = r.messages
        kind, _, arg = payload.partition(":")
        if kind == "menu":
            if arg == "find":
                self._start_interview(st, out, rules, r)
            elif arg == "info":
                self._info(st, None, out, rules, r)
            elif arg == "apply":
                self._apply(st, None, out, rules, r)
            elif arg == "human":
                self._human(st, out, r)
        elif kind == "answer":
            fact, _, index = arg.partition(":")
            question = r.questions.get(fact)
            if question is None or not index.isdigit() or int(index) >= len(question.choices):
                self._clarify(st, out, rules, r)
                return
            found = answers.Found({}, {})
            found.add(fact, answers.choice_value(question.choices[int(index)]))
            self._store(st, found, rules)
            self._next(st, out, rules, r)
        elif kind == "why":
            self._why(st, None, out, rules, r)
        elif kind == "apply":
            self._apply(st, arg or None, out, rules, r)
        elif kind == "info":
            self._info(st, arg or None, out, rules, r)
        elif kind == "check":
            if arg:
                st.topic = arg
            self._start_interview(st, out, rules, r)
        elif kind == "restart":
            self._restart(st, out, r)
        elif kind == "check_in":
            answer, _, crisis = arg.partition(":")
            self._check_in_reply(st, answer, crisis, parse, out, rules, r)
        else:
            out.say(m.clarify, "clarify", self._menu(m))

    def _message(self, st: State, parse: Parse, out: _Out, rules: RuleSet, r: Responses) -> None:
        m = r.messages
        text = parse.text.strip()
        if parse.language == "none":
            out.say(m.empty_message, "clarify:empty", [] if st.pending else self._menu(m))
            self._resume(st, out, rules, r)
            return
        if parse.language not in ("ko", "symbols"):
            out.say(m.other_language, "other_language")
            return
        if parse.language == "symbols":
            self._clarify(st, out, rules, r)
            return
        if len(text) <= SHORT and self._steer(st, parse, out, rules, r):
            out.steered = True  # "모르겠어요" leans a little to despair; here it is no answer
            return
        if parse.intent in ("goodbye", "restart", "request_human") and \
                parse.confidence >= 0.8:  # "이만 갈게요" is not 2만원, whatever is pending
            self._intent(st, parse, out, rules, r)
            return
        topic = parse.intent in INTENTS_WITH_TOPIC
        found = answers.from_entities(parse, st.pending, topic, rules.regions)
        if st.pending is not None and not topic:
            question = r.questions[st.pending]
            answers.answer(st.pending, rules.facts[st.pending], question, parse, found,
                           rules.regions)
            if found:
                self._acknowledge(st, found, out, rules, r)
                self._next(st, out, rules, r)
                return
            if parse.intent in ("inform", "affirm", "deny") or \
                    parse.confidence < self.clarify_below:
                st.retries += 1
                if st.retries >= 2:  # twice not understood: leave it unknown and move on
                    self._skip(st, out, rules, r)
                    return
                hint = question.hint or ""
                out.say(present.fill(m.not_understood_answer, hint=hint), "clarify:answer")
                self._ask(st, st.pending, out, rules, r, again=True)
                return
        elif found and parse.intent not in INTENTS_WITH_TOPIC:
            self._acknowledge(st, found, out, rules, r)
            if st.mode != "interview":
                st.mode = "interview"
                st.asked = 0
            self._next(st, out, rules, r)
            return
        self._intent(st, parse, out, rules, r)

    def _intent(self, st: State, parse: Parse, out: _Out, rules: RuleSet, r: Responses) -> None:
        m = r.messages
        intent = parse.intent
        if parse.confidence < self.clarify_below or intent == "out_of_scope":
            self._clarify(st, out, rules, r)
            return
        benefit = _benefit_of(parse)
        if intent == "greet":
            out.say(m.greeting, "greet", self._menu(m))
        elif intent == "find_benefits":
            self._start_interview(st, out, rules, r)
        elif intent == "benefit_info":
            self._info(st, benefit, out, rules, r)
        elif intent == "how_to_apply":
            self._apply(st, benefit, out, rules, r)
        elif intent == "request_human":
            self._human(st, out, r)
        elif intent == "restart":
            self._restart(st, out, r)
        elif intent == "goodbye":
            out.say(m.goodbye, "goodbye")
            st.pending = None
        elif intent == "thanks":
            out.say(m.thanks, "thanks")
        elif intent == "affirm":
            out.say(m.affirm_without_question, "clarify", self._menu(m))
        elif intent == "deny":
            out.say(m.deny_without_question, "clarify", self._menu(m))
        else:  # inform with no fact we could use
            self._clarify(st, out, rules, r)
            return
        if intent in ("benefit_info", "how_to_apply", "greet"):
            self._resume(st, out, rules, r)

    def _steer(self, st: State, parse: Parse, out: _Out, rules: RuleSet, r: Responses) -> bool:
        words = r.messages.words
        text = parse.text.replace(" ", "")
        benefit = _benefit_of(parse)

        def has(options: list[str]) -> bool:
            return any(w.replace(" ", "") in text for w in options)

        if has(words.back):
            self._back(st, out, rules, r)
        elif st.pending is not None and has(words.dont_know):
            self._skip(st, out, rules, r)
        elif has(words.why) and (parse.intent not in INTENTS_WITH_TOPIC or
                                 (benefit is not None and st.results_shown)):
            self._why(st, benefit, out, rules, r)
            self._resume(st, out, rules, r)
        elif has(words.apply) and parse.intent != "find_benefits":
            self._apply(st, benefit, out, rules, r)
            self._resume(st, out, rules, r)
        else:
            return False
        return True

    def _skip(self, st: State, out: _Out, rules: RuleSet, r: Responses) -> None:
        """Leave the pending fact unknown, never ask it again, and go on."""
        assert st.pending is not None
        st.skipped.append(st.pending)
        out.say(r.messages.skipped, f"skip:{st.pending}")
        st.pending = None
        self._next(st, out, rules, r)

    def _resume(self, st: State, out: _Out, rules: RuleSet, r: Responses) -> None:
        """After a side question, the interview question that was waiting is asked again."""
        if st.pending is not None:
            out.say(r.messages.continue_interview)
            self._ask(st, st.pending, out, rules, r, again=True)

    # ---- interview -----------------------------------------------------------------------

    def _start_interview(self, st: State, out: _Out, rules: RuleSet, r: Responses) -> None:
        st.mode = "interview"
        st.asked = 0
        out.say(r.messages.start_interview, "interview")
        self._next(st, out, rules, r)

    def _evaluate(self, st: State, rules: RuleSet) -> Evaluation:
        try:
            return rules.evaluate_facts(st.engine_facts(), self.today())
        except (InputError, ValueError):  # a region the tables do not know: ask again
            st.forget("region")
            return rules.evaluate_facts(st.engine_facts(), self.today())

    def _next(self, st: State, out: _Out, rules: RuleSet, r: Responses) -> None:
        """The most decisive question still worth asking, or the results."""
        st.mode = "interview"
        ev = self._evaluate(st, rules)
        if st.asked < self.settings.max_questions:
            ranked = []
            if st.topic is not None:  # "받을 수 있는지 확인" after a benefit's description
                ranked = [s.fact for s in rank_missing(ev, only=[st.topic])
                          if s.decides and s.fact not in st.skipped]
            if not ranked:
                ranked = [s.fact for s in rank_missing(ev)
                          if s.decides and s.fact not in st.skipped]
            # A fact given as a band is asked exactly only when nothing else would help.
            ranked.sort(key=lambda fact: fact in st.ranges)
            if ranked:
                self._ask(st, ranked[0], out, rules, r, again=ranked[0] == st.pending)
                return
        self._results(st, ev, out, r)

    def _ask(self, st: State, fact: str, out: _Out, rules: RuleSet, r: Responses,
             again: bool = False) -> None:
        question: Question = r.questions[fact]
        exact = st.known(fact) and question.exact is not None
        text = question.exact if exact and question.exact else question.ask
        choices = [] if exact else [QuickReply(label=c.label, payload=f"answer:{fact}:{i}")
                                    for i, c in enumerate(question.choices)]
        if not again:
            st.asked += 1
            st.retries = 0
        st.pending = fact
        out.say(text, f"ask:{fact}", choices)

    def _results(self, st: State, ev: Evaluation, out: _Out, r: Responses) -> None:
        reply, eligible, unknown = present.results_reply(ev, r.messages)
        st.pending = None
        st.mode = "results"
        st.results_shown = eligible + unknown
        out.benefits = eligible
        out.replies.append(reply)
        out.actions.append("show:results")

    def _store(self, st: State, found: answers.Found, rules: RuleSet) -> list[str]:
        """Save the facts; "label(new value)" for each that changed a value given before."""
        changed = []
        household = ("household_size", "spouse", "children_age_months")
        if any(f in found.values and st.facts.get(f) != found.values[f] for f in household):
            for fact in st.deduced:  # what followed from the old household is redone below
                if fact not in found.values:
                    st.forget(fact)
            st.deduced = []
        for fact, value in found.values.items():
            if fact == "crisis_events" and isinstance(st.facts.get(fact), list) and value:
                value = sorted(set(st.facts[fact]) | set(value))
            old = st.facts.get(fact, st.ranges.get(fact))
            if old is not None and old != value and fact in rules.facts \
                    and fact != "crisis_events":
                spec = rules.facts[fact]
                changed.append(f"{spec.label}({show(value, spec.unit, rules.wording)})")
            st.set_fact(fact, value)
        for fact, band in found.bands.items():
            st.set_range(fact, band.low, band.high)
        st.deduced = sorted(set(st.deduced) | set(answers.deduce(st.facts)))
        if st.pending is not None and st.known(st.pending):
            st.pending = None
        return changed

    def _acknowledge(self, st: State, found: answers.Found, out: _Out, rules: RuleSet,
                     r: Responses) -> None:
        changed = self._store(st, found, rules)
        if changed:
            out.say(present.fill(r.messages.corrected, facts=", ".join(changed)), "correct")
            return
        out.actions.append("inform")

    def _back(self, st: State, out: _Out, rules: RuleSet, r: Responses) -> None:
        m = r.messages
        if st.pending is not None and st.pending in st.answered:
            st.answered.remove(st.pending)
        if not st.answered:
            out.say(m.nothing_to_go_back, "back:none")
            if st.pending:
                self._ask(st, st.pending, out, rules, r, again=True)
            return
        fact = st.answered[-1]
        st.forget(fact)
        out.say(m.went_back, "back")
        self._ask(st, fact, out, rules, r, again=True)

    # ---- other requests ------------------------------------------------------------------

    def _why(self, st: State, benefit: str | None, out: _Out, rules: RuleSet,
             r: Responses) -> None:
        ids = [benefit] if benefit else st.results_shown
        if not ids:
            choices = [] if st.pending else [QuickReply(label=r.messages.menu.find,
                                                        payload="menu:find")]
            out.say(r.messages.why.none_yet, "show:why", choices)
            return
        ev = self._evaluate(st, rules)
        out.replies.append(present.why_reply(ev, ids, r.messages))
        out.actions.append("show:why")

    def _info(self, st: State, benefit: str | None, out: _Out, rules: RuleSet,
              r: Responses) -> None:
        benefit = benefit or (st.topic if st.mode != "interview" else None)
        if benefit is None or benefit not in rules.benefits:
            out.say(r.messages.benefit_info.ask_which, "ask:benefit",
                    present.benefit_choices(rules, POPULAR, "info"))
            return
        st.topic = benefit
        out.replies.append(present.info_reply(rules, benefit, r.messages))
        out.actions.append(f"show:benefit_info:{benefit}")

    def _apply(self, st: State, benefit: str | None, out: _Out, rules: RuleSet,
               r: Responses) -> None:
        benefit = benefit or st.topic
        if benefit is None and st.results_shown:
            results = self._evaluate(st, rules).results
            eligible = [b for b in st.results_shown if results[b].status == "eligible"]
            if len(eligible) == 1:
                benefit = eligible[0]
            elif eligible:
                out.say(r.messages.how_to_apply.ask_which, "ask:benefit",
                        present.benefit_choices(rules, eligible[:6], "apply"))
                return
        if benefit is None or benefit not in rules.benefits:
            out.say(r.messages.how_to_apply.general, "show:how_to_apply",
                    present.benefit_choices(rules, POPULAR, "apply"))
            return
        st.topic = benefit
        out.replies.append(present.apply_reply(rules, benefit, r.messages))
        out.actions.append(f"show:how_to_apply:{benefit}")

    def _human(self, st: State, out: _Out, r: Responses) -> None:
        if st.case_id is not None:
            out.say(r.messages.human.already, "handoff:already")
            return
        priority = self.priorities.get("request", "normal")
        out.case = CaseRequest(priority=priority, reason="request")  # type: ignore[arg-type]
        out.say(r.messages.human.opened, f"handoff:{priority}")

    def _restart(self, st: State, out: _Out, r: Responses) -> None:
        fresh = State(turns=st.turns, case_id=st.case_id, started_at=st.started_at)
        for name in State.model_fields:
            setattr(st, name, getattr(fresh, name))
        out.say(r.messages.restart, "restart", self._menu(r.messages))

    def _clarify(self, st: State, out: _Out, rules: RuleSet, r: Responses) -> None:
        m = r.messages
        # mid-interview the menu would pull away from the question asked again below
        out.say(m.clarify, "clarify", [] if st.pending else self._menu(m))
        self._resume(st, out, rules, r)

    # ---- helpers -------------------------------------------------------------------------

    @staticmethod
    def _menu(m: Any) -> list[QuickReply]:
        return menu_choices(m)

    @staticmethod
    def _offered_payload(st: State, text: str) -> str | None:
        """A typed "2" or a label typed out picks a quick reply offered in the last reply."""
        clean = text.strip().rstrip(".")
        if not st.offered:
            return None
        if clean.isdigit() and 1 <= int(clean) <= len(st.offered):
            return st.offered[int(clean) - 1].payload
        for choice in st.offered:
            if clean.replace(" ", "") == choice.label.replace(" ", ""):
                return choice.payload
        return None


def menu_choices(m: Any) -> list[QuickReply]:
    return [QuickReply(label=label, payload=f"menu:{key}")
            for key, label in m.menu.model_dump().items()]


def closed_reply(m: Any) -> Reply:
    """What the resident is sent when the caseworker closes their case: the bot is back,
    with its menu (the dashboard sends it without a dialogue of its own)."""
    return Reply(text=m.human.closed, choices=menu_choices(m))


def _benefit_of(parse: Parse) -> str | None:
    """The first benefit the message names, if any."""
    return next((str(e.value) for e in parse.entities if e.entity == "benefit"), None)
