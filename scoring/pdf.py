"""The summary PDF: render (layer three), store, and find.

The context comes from scoring.summary, the layout from
templates/scoring/summary_pdf.html. WeasyPrint fetches nothing from the file
system or the network: the only URLs it may load are ``pdf-asset:`` names of
the vendored fonts and stylesheet, and anything else stops the render.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from questionnaires.models import Response
from questionnaires.results import result_original
from scoring.models import SummaryPdf
from scoring.summary import Summary, summary_build

logger = logging.getLogger(__name__)

# Bump when the PDF layout changes: a new version renders new files, and the
# idempotency key (response, template version) keeps old ones untouched.
TEMPLATE_VERSION = "2"
ASSET_SCHEME = "pdf-asset:"
ASSETS = {
    "fonts/DejaVuSans.ttf": ("font/ttf", settings.BASE_DIR / "static/fonts/DejaVuSans.ttf"),
    "fonts/DejaVuSans-Bold.ttf": (
        "font/ttf",
        settings.BASE_DIR / "static/fonts/DejaVuSans-Bold.ttf",
    ),
}


class RefusedUrlError(ValueError):
    """The PDF tried to load something other than a vendored asset."""


class AssetOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Serves ``pdf-asset:`` names from a fixed table; refuses everything else
    (``file://``, ``http(s)://``, ``data:`` …)."""

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        name = url.removeprefix(ASSET_SCHEME).lstrip("/")
        if not url.startswith(ASSET_SCHEME) or name not in ASSETS:
            raise RefusedUrlError(f"PDF rendering refuses to load {url!r}")
        mime, path = ASSETS[name]
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


def summary_pdf_render(summary: Summary) -> bytes:
    """Render a summary as an A4 PDF with its fonts embedded."""
    with translation.override(summary.language):
        html = render_to_string("scoring/summary_pdf.html", {"s": summary})
    document = HTML(string=html, base_url=ASSET_SCHEME + "/", url_fetcher=AssetOnlyFetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def pdf_path(record: SummaryPdf) -> Path:
    return Path(settings.PRIVATE_FILES_ROOT) / "pdf" / record.file_name


def summary_pdf_store(*, response_id: int, language: str = "da") -> SummaryPdf:
    """Render and store the PDF once per (response, template version).

    Idempotent: a second call (a retried task, a page opened twice) returns
    the stored record. The file name holds ids only, never patient data.
    """
    existing = SummaryPdf.objects.filter(
        response_id=response_id, template_version=TEMPLATE_VERSION
    ).first()
    if existing is not None and pdf_path(existing).is_file():
        return existing
    response = Response.objects.select_related(
        "questionnaire_version__clinical_reviewer", "patient", "organisation", "review"
    ).get(pk=response_id, status=Response.Status.SUBMITTED)
    stored = result_original(response_id=response.pk)
    with translation.override(language):
        summary = summary_build(response=response, stored=stored, language=language)
    data = summary_pdf_render(summary)
    file_name = f"{response.public_id}-t{TEMPLATE_VERSION}.pdf"
    path = Path(settings.PRIVATE_FILES_ROOT) / "pdf" / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic: a reader never sees half a file; a temporary name of its own, so
    # two workers rendering the same response at once do not share one.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as temporary:
        temporary.write(data)
    Path(temporary.name).replace(path)
    facts = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if existing is not None:  # the file had gone (deleted by hand, lost disk): rendered again
        SummaryPdf.objects.filter(pk=existing.pk).update(**facts, rendered_at=timezone.now())
        existing.refresh_from_db()
        return existing
    try:
        with transaction.atomic():
            return SummaryPdf.objects.create(
                response=response, template_version=TEMPLATE_VERSION, file_name=file_name, **facts
            )
    except IntegrityError:  # rendered concurrently by another worker: same file
        return SummaryPdf.objects.get(response=response, template_version=TEMPLATE_VERSION)


def summary_pdf_purge(*, older_than_days: int) -> int:
    """Delete stored PDF files older than the retention period; the summary
    page renders a new one on demand if it is needed again."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    removed = 0
    for record in SummaryPdf.objects.filter(rendered_at__lt=cutoff).iterator():
        pdf_path(record).unlink(missing_ok=True)
        removed += 1
    SummaryPdf.objects.filter(rendered_at__lt=cutoff).delete()
    logger.info("purged %d summary PDFs older than %d days", removed, older_than_days)
    return removed
