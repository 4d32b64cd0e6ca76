"""`bokji train` and `bokji nlu …`: train, parse and evaluate the Korean NLU."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.settings import get_settings

app = typer.Typer(help="한국어 이해(NLU): 의도, 긴급 여부, 사실 추출.", no_args_is_help=True,
                  add_completion=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def load_nlu():  # type: ignore[no-untyped-def]
    from bot.nlu.model import NLU, ModelMissing

    settings = get_settings()
    try:
        return NLU(settings.model_dir, settings.nlu, settings.rules_path / "regions.yml")
    except ModelMissing as exc:
        err.print(f"{exc}", markup=False)
        raise typer.Exit(1) from None


def train_command(
    if_stale: Annotated[bool, typer.Option("--if-stale", help="only when data or config changed")]
    = False,
) -> None:
    """Train the intent classifier into models/ (progress on stderr)."""
    from bot.nlu.train import is_stale, train

    settings = get_settings()
    if if_stale and not is_stale(settings):
        err.print(f"NLU model is up to date ({settings.model_dir})", markup=False)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = {"train": "의도 분류기 학습 (train)",
                         "embed train": "문장 인코더: 새 학습 문장 (train)",
                         "embed dev": "문장 인코더: 새 조정 문장 (dev)",
                         "final": "최종 학습 (train + dev)"}.get(stage, stage)
                tasks[stage] = progress.add_task(label, total=total)
            progress.update(tasks[stage], completed=done)

        result = train(settings, report)
    err.print(f"trained on {result.examples} examples in {result.seconds:.1f} s; dev "
              f"accuracy {result.dev_accuracy:.3f}, temperature {result.temperature:.1f} → "
              f"{result.model_dir}", markup=False)
    if result.urgency:
        u = result.urgency
        err.print(f"classifier alone is urgent from {u.threshold:.3f} (dev, model not trained on "
                  f"it: {u.caught} of {u.crises} crises no pattern catches, {u.false_urgent} of "
                  f"{u.calm} calm messages)", markup=False)
    if result.encoder_dev_accuracy is not None:
        err.print(f"sentence encoder's head alone: dev accuracy {result.encoder_dev_accuracy:.3f}",
                  markup=False)


@app.command("parse")
def parse_cmd() -> None:
    """stdin: one message per line → stdout: the contract's JSON per line."""
    from bot.jsonlines import write

    nlu = load_nlu()
    for line in sys.stdin:
        text = line.rstrip("\n").rstrip("\r")
        write(nlu.parse(text).model_dump(), sys.stdout)


@app.command("eval")
def eval_cmd(
    files: Annotated[list[Path] | None, typer.Argument(help="test files (default: nlu/test)")]
    = None,
    report_path: Annotated[Path, typer.Option("--report")] = Path("reports/nlu-eval.json"),
    png_path: Annotated[Path, typer.Option("--png")] = Path("reports/nlu-confusion.png"),
) -> None:
    """Accuracy, macro-F1, per intent, urgent recall, false urgent, entities, latency."""
    from bot.nlu.data import read_paths
    from bot.nlu.evaluate import confusion_png, evaluate, write_report

    settings = get_settings()
    paths = files or [settings.resolve(p) for p in settings.nlu.test]
    data = read_paths(paths, settings.base_dir)
    if data.problems:
        for problem in data.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(1)
    start = time.perf_counter()
    nlu = load_nlu()
    load_seconds = time.perf_counter() - start
    train_data = read_paths([settings.resolve(p) for p in settings.nlu.train], settings.base_dir)
    from bot.nlu.evaluate import seen_key

    trained = {seen_key(nlu, e.text) for e in train_data.examples}
    report = evaluate(nlu, data.examples, trained)
    write_report(report, report_path)
    confusion_png(report, png_path)
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"messages {report.n}   model load {load_seconds:.2f} s   "
              f"RSS {report.rss_mib:.0f} MiB")
    out.print(f"intent accuracy {report.accuracy:.4f}   macro-F1 {report.macro_f1:.4f}   "
              f"ECE {report.calibration_ece:.3f}   accuracy on the {report.unseen_n} messages "
              f"not in training {report.unseen_accuracy:.4f}")
    out.print(f"urgent recall {report.urgent_recall:.4f} ({report.urgent_total} crisis)   "
              f"false urgent {report.false_urgent_rate:.4f} ({report.calm_total} calm)")
    out.print(f"safety check-in: {report.check_in_missed_crises} of the {report.urgent_missed} "
              f"crises missed get one; calm messages asked {report.check_in_calm_rate:.4f}")
    out.print(f"entity exact-match {report.entity_exact_match:.4f}   "
              f"span overlap {report.span_overlap:.4f}")
    out.print(f"latency p50 {report.latency_ms['p50']:.2f} ms   "
              f"p99 {report.latency_ms['p99']:.2f} ms")
    out.print("per intent (precision / recall / f1 / n):")
    for intent, m in report.per_intent.items():
        out.print(f"  {intent:<18} {m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f} "
                  f"/ {m['support']}")
    out.print(f"report: {report_path}   confusion matrix: {png_path}")
