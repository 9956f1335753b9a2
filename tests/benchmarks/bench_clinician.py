"""Clinician-side figures (on demand, not in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pro_portal PRO_PORTAL_TESTING=true \
        .venv/bin/pytest tests/benchmarks/bench_clinician.py -p no:cacheprovider -s

Summary PDF render time for the chronic-pain questionnaire, and in the same
run WeasyPrint rendering the same text as unstyled HTML; the ratio is what the
layout costs (target ≤ 2). The day list is measured under gunicorn by
bench_day_list.py, the PDF pipeline under load by load_submissions.py.
"""

from __future__ import annotations

import gc
import re
import statistics
import time
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from questionnaires.library import LIBRARY_DIR, read_definition
from scoring.models import ScoringResult
from scoring.pdf import AssetOnlyFetcher, summary_pdf_render
from scoring.summary import summary_build
from tests import factories

pytestmark = pytest.mark.django_db
ROUNDS = 21


def cpu_seconds(function, rounds: int = ROUNDS) -> list[float]:
    """CPU time of each call, with no garbage collection inside it.

    CPU time of this process: rendering is single-threaded and CPU-bound, and
    unlike wall time it leaves out other processes sharing the cores. Each
    render is timed on its own, in its own loop: timing the two in turn let
    one render's garbage (and its collection) land on the other, which made
    the ratio swing from 1.4 to 2.6 between methods.
    """
    function()  # warm-up: fonts, templates, caches
    samples = []
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            function()
            samples.append(time.process_time() - start)
        finally:
            gc.enable()
    return samples


def test_pdf_render_against_unstyled_html(personas) -> None:
    vectors = {
        v["id"]: v for v in read_definition(LIBRARY_DIR / "chronic_pain/1.0.0.yaml")["test_vectors"]
    }
    version = factories.published_version("chronic_pain")
    for vector in ("base_green", "who5_fall_12_yellow", "red_flag_bladder_bowel_red"):
        response = factories.submitted(personas.patient, version, vectors[vector]["answers"])
    stored = response.results.get(kind=ScoringResult.Kind.ORIGINAL)
    with translation.override("da"):
        summary = summary_build(response=response, stored=stored, language="da")
        html = render_to_string("scoring/summary_pdf.html", {"s": summary})
    # The same text, without styles, layout or fonts: one paragraph per line.
    body = re.sub(r"<style.*?</style>|<title>.*?</title>", "", html, flags=re.S)
    text = [line.strip() for line in unescape(re.sub(r"<[^>]+>", "\n", body)).splitlines()]
    plain = "<html><body>" + "".join(f"<p>{t}</p>" for t in text if t) + "</body></html>"

    styled = cpu_seconds(lambda: summary_pdf_render(summary))
    unstyled = cpu_seconds(lambda: HTML(string=plain, url_fetcher=AssetOnlyFetcher()).write_pdf())
    s, u = statistics.median(styled), statistics.median(unstyled)
    print(
        f"\nPDF summary (chronic pain), CPU time, median of {ROUNDS}: {s * 1000:.0f} ms "
        f"(min {min(styled) * 1000:.0f}); same text unstyled: {u * 1000:.0f} ms "
        f"(min {min(unstyled) * 1000:.0f}); ratio {s / u:.2f} (target <= 2)"
    )
