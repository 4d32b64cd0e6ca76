"""Verdicts and rule-file texts as replies: results, "왜요?", 제도 설명 and 신청 방법.

Benefit names, descriptions, how to apply and documents come from rules/benefits/*.yml and
the reasons from the engine's trace, so a rule maintainer's edit shows up here unchanged.
"""

from __future__ import annotations

from bot.dialogue.responses import MessagesFile
from bot.dialogue.state import QuickReply, Reply
from bot.eligibility.explain import amount_sentence, reasons
from bot.eligibility.korean import particles
from bot.eligibility.rulebook import BenefitResult, Evaluation, RuleSet

MAX_UNKNOWN_SHOWN = 4


def fill(template: str, **values: object) -> str:
    return particles(template.format_map({k: str(v) for k, v in values.items()}))


def condition_reasons(result: BenefitResult) -> list[str]:
    """The trace's sentences without the amount line."""
    amount = amount_sentence(result) if result.status == "eligible" else None
    return [line for line in reasons(result) if line != amount]


def _missing_labels(rules: RuleSet, result: BenefitResult) -> str:
    return ", ".join(rules.facts[f].label for f in result.missing if f in rules.facts)


def results_reply(ev: Evaluation, m: MessagesFile) -> tuple[Reply, list[str], list[str]]:
    """The results message; also the eligible and the undecided ids shown."""
    r = m.results
    rules = ev.rules
    eligible = [x for x in ev.results.values() if x.status == "eligible"]
    unknown = [x for x in ev.results.values() if x.status == "unknown" and x.error is None]
    lines = [r.intro]
    if eligible:
        lines.append(r.eligible_title)
        for res in eligible:
            spec = res.benefit.spec
            lines.append(fill(r.eligible_line, name=spec.name,
                              reason=" ".join(condition_reasons(res)[:2])))
            amount = amount_sentence(res)
            if amount:
                lines.append(fill(r.amount_line, amount=amount))
            lines.append(fill(r.apply_line, where=spec.apply.where,
                              documents=", ".join(spec.documents)))
    else:
        lines.append(r.none_eligible)
    if unknown:
        lines.append(r.unknown_title)
        for res in unknown[:MAX_UNKNOWN_SHOWN]:
            labels = _missing_labels(rules, res)
            reason = fill(rules.wording.needs_facts, facts=labels) if labels else \
                " ".join(condition_reasons(res)[:1])
            lines.append(fill(r.unknown_line, name=res.benefit.spec.name, reason=reason))
        if len(unknown) > MAX_UNKNOWN_SHOWN:
            lines.append(fill(r.more_unknown, count=len(unknown) - MAX_UNKNOWN_SHOWN))
    lines.append(r.apply)
    lines.append(r.next)
    choices = [QuickReply(label=r.why_choice, payload="why"),
               QuickReply(label=r.apply_choice, payload="apply"),
               QuickReply(label=r.restart_choice, payload="restart")]
    return (Reply(text="\n".join(lines), choices=choices), [x.id for x in eligible],
            [x.id for x in unknown])


def why_reply(ev: Evaluation, benefit_ids: list[str], m: MessagesFile) -> Reply:
    """Every reason of the trace for the benefits asked about, with the law behind them."""
    lines: list[str] = []
    for bid in benefit_ids:
        res = ev.results[bid]
        spec = res.benefit.spec
        lines.append(fill(m.why.title, name=spec.name))
        lines.extend(fill(m.why.line, reason=line) for line in reasons(res))
        if spec.sources:
            lines.append(fill(m.why.source, source=spec.sources[0].title))
    return Reply(text="\n".join(lines))


def info_reply(rules: RuleSet, benefit_id: str, m: MessagesFile) -> Reply:
    spec = rules.benefits[benefit_id].spec
    b = m.benefit_info
    text = "\n".join([fill(b.text, name=spec.name, summary=spec.summary),
                      fill(b.for_whom, for_whom=spec.for_whom)])
    return Reply(text=text, choices=[
        QuickReply(label=b.check_choice, payload=f"check:{benefit_id}"),
        QuickReply(label=b.apply_choice, payload=f"apply:{benefit_id}")])


def apply_reply(rules: RuleSet, benefit_id: str, m: MessagesFile) -> Reply:
    spec = rules.benefits[benefit_id].spec
    h = m.how_to_apply
    lines = [fill(h.text, name=spec.name, how=spec.apply.how),
             fill(h.where, where=spec.apply.where)]
    if spec.apply.online:
        lines.append(fill(h.online, online=spec.apply.online))
    lines.append(fill(h.documents, documents=", ".join(spec.documents)))
    lines.append(fill(h.contact, contact=spec.contact))
    return Reply(text="\n".join(lines))


def benefit_choices(rules: RuleSet, ids: list[str], prefix: str) -> list[QuickReply]:
    return [QuickReply(label=rules.benefits[b].spec.name, payload=f"{prefix}:{b}")
            for b in ids if b in rules.benefits]
