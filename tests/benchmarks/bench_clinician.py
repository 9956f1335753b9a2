"""Clinician-side figures (on demand, not in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pro_portal PRO_PORTAL_TESTING=true \
        .venv/bin/pytest tests/benchmarks/bench_clinician.py -p no:cacheprovider -s

1. Summary PDF render time for the chronic-pain questionnaire, and in the same
   run WeasyPrint rendering the same text as unstyled HTML; the ratio is what
   the layout costs (target ≤ 2).
2. The day list of 100 consultations: server-side p95 (target ≤ 50 ms).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from weasyprint import HTML

from questionnaires.library import LIBRARY_DIR, read_definition
from scoring.models import ScoringResult
from scoring.pdf import AssetOnlyFetcher, summary_pdf_render
from scoring.summary import summary_build
from tests import factories

pytestmark = pytest.mark.django_db
ROUNDS = 15


def timed(function, rounds: int = ROUNDS) -> list[float]:
    function()  # warm-up: fonts, templates, caches
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
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

    styled = timed(lambda: summary_pdf_render(summary))
    unstyled = timed(lambda: HTML(string=plain, url_fetcher=AssetOnlyFetcher()).write_pdf())
    s, u = statistics.median(styled), statistics.median(unstyled)
    print(
        f"\nPDF summary (chronic pain): median {s * 1000:.0f} ms; "
        f"same text unstyled: {u * 1000:.0f} ms; ratio {s / u:.2f} (target <= 2)"
    )


def test_day_list_of_100_consultations_p95(personas) -> None:
    version = factories.published_version("phq9")
    cph = ZoneInfo("Europe/Copenhagen")
    colours = [factories.PHQ9_RED, factories.PHQ9_YELLOW, factories.PHQ9_GREEN, None]
    for i in range(100):
        patient = factories.PatientFactory(organisation=personas.organisation)
        starts = dt.datetime(2026, 11, 23, 8, 0, tzinfo=cph) + dt.timedelta(minutes=5 * i)
        visit = factories.consultation(patient, starts, personas.secretary)
        invitation = factories.invitation(visit, patient, personas.secretary)
        if colours[i % 4] is not None:
            factories.submitted(patient, version, colours[i % 4], invitation=invitation)
    client = Client()
    client.force_login(personas.clinician)
    samples = timed(lambda: client.get("/worklist/?day=2026-11-23"), rounds=60)
    p95 = statistics.quantiles(samples, n=20)[-1]
    print(
        f"\nDay list, 100 consultations: median {statistics.median(samples) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms (target <= 50 ms)"
    )
