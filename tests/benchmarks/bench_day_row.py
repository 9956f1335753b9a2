"""Benchmark: the day list's 100 rows rendered in-process, without a server.

    .venv/bin/python tests/benchmarks/bench_day_row.py [--blocks 15] [--renders 200]
        [--against OTHER_CHECKOUT]

The stable figure beside bench_day_list.py (whose server-side times swing
with whatever else the machine runs): the worklist's ``{% for %}`` over 100
``{% day_row %}`` tags, as a clinician (five cells, links, badges) and as a
secretary (three cells), in Danish. The rows have bench_day_list.py's shape:
three of four consultations answered (red, yellow, green in turn), every
third answered one reviewed. CPU time per render of the 100 rows; the
minimum and the median over blocks of renders are printed (the minimum is
the one to compare between runs, the median shows the noise).

With ``--against``, the ``day_row`` function of another checkout (its
scoring/templatetags/scoring_tags.py) is timed too, called directly for the 100 rows (no template
around it), in blocks alternating with this checkout's, so that both see the
same stretch of a noisy machine; the ratio of the minima is the figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pro_portal.settings")

import django  # noqa: E402 - after the path set-up above

django.setup()

from django.template import Context, Template  # noqa: E402
from django.utils import translation  # noqa: E402

from scoring.templatetags.scoring_tags import day_row  # noqa: E402
from scoring.worklist import ConsultationRow, PatientRef, ResponseRow  # noqa: E402

DayRow = Callable[[ConsultationRow, bool], str]
TBODY = Template(
    "{% load scoring_tags %}{% for row in days %}{% day_row row clinical %}\n{% endfor %}"
)
NAMES = ["Rasmus Rød", "Gitte Gul", "Gunnar Grøn", "Åse Ærø-Østergaard", "Palle Smerte"]
COLOURS = ["red", "yellow", "green", None]


def rows() -> list[ConsultationRow]:
    first = dt.datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    made = []
    for i in range(100):
        patient = PatientRef(i, uuid.UUID(int=i + 1), 1, f"{NAMES[i % len(NAMES)]} {i}")
        starts = first + dt.timedelta(minutes=5 * i)
        colour = COLOURS[i % 4]
        responses = []
        if colour is not None:
            public_id = uuid.UUID(int=1000 + i)  # fixed: the markup can be compared
            responses.append(
                ResponseRow(
                    public_id=public_id,
                    patient=patient,
                    questionnaire_id="phq9",
                    questionnaire_title="PHQ-9 – depression",
                    version="1.0.0",
                    submitted_at=starts - dt.timedelta(days=1),
                    consultation_id=i,
                    consultation_starts_at=starts,
                    overall=colour,
                    reviewed=i % 3 == 0,
                    overdue=False,
                    summary_url=f"/responses/{public_id}/",
                )
            )
        states = ["Indsendt" if responses else "Sendt"]
        made.append(ConsultationRow(starts, patient, states, responses))
    return made


def cpu_ms_per_render(context: Context, renders: int) -> float:
    started = time.process_time_ns()
    for _ in range(renders):
        TBODY.render(context)
    return (time.process_time_ns() - started) / renders / 1e6


def cpu_ms_per_call(function: DayRow, days: list[ConsultationRow], calls: int) -> float:
    started = time.process_time_ns()
    for _ in range(calls):
        for row in days:
            function(row, True)
    return (time.process_time_ns() - started) / calls / 1e6


def other_day_row(root: Path) -> DayRow:
    path = root / "scoring" / "templatetags" / "scoring_tags.py"
    spec = importlib.util.spec_from_file_location("other_scoring_tags", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function: DayRow = module.day_row
    return function


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--renders", type=int, default=200, help="renders of 100 rows per block")
    parser.add_argument("--against", type=Path, help="another checkout's root")
    args = parser.parse_args()
    days = rows()
    with translation.override("da"):
        for clinical in (True, False):
            context = Context({"days": days, "clinical": clinical})
            cpu_ms_per_render(context, 50)  # warm up: caches, template
            times = [cpu_ms_per_render(context, args.renders) for _ in range(args.blocks)]
            role = "clinician" if clinical else "secretary"
            print(
                f"100 day-list rows as {role:<9}: min {min(times):.3f} ms, "
                f"median {statistics.median(times):.3f} ms per render "
                f"(CPU time, {args.blocks} blocks of {args.renders})"
            )
        if args.against:
            functions = {"this": day_row, "other": other_day_row(args.against)}
            by_checkout: dict[str, list[float]] = {name: [] for name in functions}
            for function in functions.values():
                cpu_ms_per_call(function, days, 50)  # warm up
            for _ in range(args.blocks):
                for name, function in functions.items():
                    by_checkout[name].append(cpu_ms_per_call(function, days, args.renders))
            for name, times in by_checkout.items():
                print(
                    f"day_row() x 100 as clinician, {name:<5} checkout: min "
                    f"{min(times):.3f} ms, median {statistics.median(times):.3f} ms"
                )
            ratio = min(by_checkout["this"]) / min(by_checkout["other"])
            print(f"ratio of the minima this / other: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
