"""Celery tasks of the scoring app: they take ids and call one service."""

from __future__ import annotations

import logging

from django.conf import settings

from pro_portal.celery import retrying_task
from scoring.pdf import summary_pdf_purge, summary_pdf_store

logger = logging.getLogger(__name__)


@retrying_task("scoring.render_summary_pdf")
def render_summary_pdf(response_id: int) -> str:
    """Render the summary PDF of a submitted response (idempotent)."""
    return summary_pdf_store(response_id=response_id).file_name


@retrying_task("scoring.purge_summary_pdfs")
def purge_summary_pdfs() -> int:
    return summary_pdf_purge(older_than_days=settings.PDF_RETENTION_DAYS)


def enqueue_summary_pdf(response_id: int) -> None:
    """Called on commit of a submit (scoring.services.AFTER_SUBMIT_HOOKS).

    The response is already committed. If enqueueing fails — or, with tasks
    running in-process, rendering fails — the patient must still see their
    thank-you page: the failure is logged and the summary page renders the
    PDF on demand.
    """
    try:
        render_summary_pdf.delay(response_id)
    except Exception:
        logger.exception("summary PDF for response %s not enqueued", response_id)
