"""Celery tasks of the scoring app: they take ids and call one service."""

from __future__ import annotations

from django.conf import settings

from pro_portal.celery import retrying_task
from pro_portal.outbox import outbox_done
from scoring.pdf import summary_pdf_purge, summary_pdf_store


@retrying_task("scoring.render_summary_pdf")
def render_summary_pdf(response_id: int, outbox_id: int | None = None) -> str:
    """Render the summary PDF of a submitted response (idempotent).

    Started through the outbox by ``questionnaires.answering.response_submit``;
    the outbox message is marked done once the file is stored.
    """
    file_name = summary_pdf_store(response_id=response_id).file_name
    outbox_done(outbox_id)
    return file_name


@retrying_task("scoring.purge_summary_pdfs")
def purge_summary_pdfs() -> int:
    return summary_pdf_purge(older_than_days=settings.PDF_RETENTION_DAYS)
