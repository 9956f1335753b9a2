"""Clinician-side figures (on demand, not in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pro_portal PRO_PORTAL_TESTING=true \
        .venv/bin/pytest tests/benchmarks/bench_clinician.py -p no:cacheprovider -s

Summary PDF render time for the chronic-pain questionnaire, and in the same
run WeasyPrint rendering the same text as unstyled HTML; the ratio is what the
layout costs (target ≤ 2); and the memory a process keeps per render. The day
list is measured under gunicorn by bench_day_list.py, the PDF pipeline under
load by load_submissions.py.
"""

from __future__ import annotations

import gc
import itertools
import re
import statistics
import time
from html import unescape
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from questionnaires.library import LIBRARY_DIR, read_definition
from questionnaires.models import ScoringResult
from scoring.pdf import AssetOnlyFetcher, summary_pdf_render
from scoring.summary import Summary, summary_build
from tests import factories

pytestmark = pytest.mark.django_db
BLOCKS, PER_BLOCK = 10, 5


def cpu_seconds(function) -> float:
    """CPU time of one call, with no garbage collection inside it.

    CPU time of this process: rendering is single-threaded and CPU-bound, and
    unlike wall time it leaves out other processes sharing the cores. The
    collection before the call clears the previous render's garbage, so it
    never lands on this one.
    """
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        function()
        return time.process_time() - start
    finally:
        gc.enable()


def blocked(styled, unstyled) -> tuple[list[float], list[float]]:
    """Median CPU time of each render over alternating blocks of a few calls.

    Two biases to avoid, both measured on this VM: the same render drifts by
    a third between stretches of a few seconds (290 to 400 ms in one
    process), so one long loop of each compares two different machines; and
    alternating single renders evicts each other's font and layout caches,
    which slows the small unstyled render most (+75 % against +50 %) and
    flatters the ratio. A block of a few calls runs warm; a styled block and
    the unstyled block after it share their stretch. The ratio of the two
    minima is the steadiest figure (noise only ever adds time); the median and
    quartiles of the pairs' ratios show the spread.
    """
    medians: tuple[list[float], list[float]] = ([], [])
    for block in range(BLOCKS + 1):
        for which, function in enumerate((styled, unstyled)):
            function()  # warm the caches for this block
            times = [cpu_seconds(function) for _ in range(PER_BLOCK)]
            if block:  # the first round is warm-up for the whole run
                medians[which].append(statistics.median(times))
    return medians


@pytest.fixture
def summary(personas) -> Summary:
    """A chronic-pain summary with three responses behind it (trends)."""
    vectors = {
        v["id"]: v for v in read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")["test_vectors"]
    }
    version = factories.published_version("chronic_pain")
    for vector in ("base_green", "who5_fall_12_yellow", "red_flag_bladder_bowel_red"):
        response = factories.submitted(personas.patient, version, vectors[vector]["answers"])
    stored = response.results.get(kind=ScoringResult.Kind.ORIGINAL)
    with translation.override("da"):
        return summary_build(response=response, stored=stored, language="da")


def test_pdf_render_against_unstyled_html(summary: Summary) -> None:
    with translation.override("da"):
        html = render_to_string("scoring/summary_pdf.html", {"s": summary})
    # The same text, without styles, layout or fonts: one paragraph per line.
    body = re.sub(r"<style.*?</style>|<title>.*?</title>", "", html, flags=re.S)
    text = [line.strip() for line in unescape(re.sub(r"<[^>]+>", "\n", body)).splitlines()]
    plain = "<html><body>" + "".join(f"<p>{t}</p>" for t in text if t) + "</body></html>"

    styled, unstyled = blocked(
        lambda: summary_pdf_render(summary),
        lambda: HTML(string=plain, url_fetcher=AssetOnlyFetcher()).write_pdf(),
    )
    ratios = [s / u for s, u in zip(styled, unstyled, strict=True)]
    low, median, high = statistics.quantiles(ratios, n=4)
    print(
        f"\nPDF summary (chronic pain), CPU time, {BLOCKS} pairs of blocks of {PER_BLOCK}: styled "
        f"min {min(styled) * 1000:.0f} ms (median {statistics.median(styled) * 1000:.0f}), "
        f"same text unstyled min {min(unstyled) * 1000:.0f} ms "
        f"(median {statistics.median(unstyled) * 1000:.0f}); ratio of the minima "
        f"{min(styled) / min(unstyled):.2f}, of the pairs median {median:.2f} "
        f"(quartiles {low:.2f}-{high:.2f}, worst {max(ratios):.2f}); target <= 2"
    )


def resident_megabytes() -> float:
    with Path("/proc/self/status").open() as status:
        kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    return kilobytes / 1024


def test_pdf_memory_kept_per_render(summary: Summary) -> None:
    """What a long-lived worker keeps per PDF (sets CELERY_WORKER_MAX_TASKS_PER_CHILD)."""
    summary_pdf_render(summary)
    gc.collect()
    readings = [resident_megabytes()]
    for _ in range(3):
        for _ in range(100):
            summary_pdf_render(summary)
        gc.collect()
        readings.append(resident_megabytes())
    steps = [after - before for before, after in itertools.pairwise(readings)]
    print(
        f"\nPDF summary, resident memory after 0/100/200/300 renders: "
        f"{' / '.join(f'{r:.0f}' for r in readings)} MB; kept per render "
        f"{statistics.median(steps) / 100:.2f} MB (median of three hundreds)"
    )
