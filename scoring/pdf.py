"""The summary PDF: render (layer three), store, and find.

The context comes from scoring.summary, the layout from
templates/scoring/summary_pdf.html. WeasyPrint fetches nothing from the file
system or the network: the only URLs it may load are ``pdf-asset:`` names of
the vendored fonts and stylesheet, and anything else stops the render.

Stored files are encrypted with the data keys (pro_portal.crypto), like the
CPR numbers in the database: the PDF holds the patient's name and CPR number.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
import tempfile
import unicodedata
from html import escape
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from pro_portal.crypto import InvalidToken, RotationCounts, data_cipher
from questionnaires.models import Response
from questionnaires.results import result_original
from scoring.models import SummaryPdf
from scoring.summary import Summary, summary_build

logger = logging.getLogger(__name__)

# Bump when the PDF layout changes: a new version renders new files, and the
# idempotency key (response, template version, language) keeps old ones untouched.
TEMPLATE_VERSION = "6"  # 6: reused answers marked with their day; a gated score "not asked"
ASSET_SCHEME = "pdf-asset:"
ASSETS = {
    "fonts/DejaVuSans.ttf": ("font/ttf", settings.BASE_DIR / "static/fonts/DejaVuSans.ttf"),
    "fonts/DejaVuSans-Bold.ttf": (
        "font/ttf",
        settings.BASE_DIR / "static/fonts/DejaVuSans-Bold.ttf",
    ),
}


# Characters a font may lack come from patients' own text (an emoji typed on a
# phone) or a future definition; ASCII is in every font and is not checked.
_NOT_ASCII = re.compile(r"[^\x00-\x7e]+")
# Invisible without the character they modify (zero-width joiner, variation
# selectors, skin tones, tags): dropped when the font lacks them.
_MODIFIERS = frozenset({"Mn", "Me", "Cf", "Sk", "Cc", "Co", "Cs", "Cn"})


@functools.cache
def printable_characters() -> frozenset[int]:
    """Code points every vendored font has a glyph for (DejaVu Sans and its bold)."""
    fonts = [path for mime, path in ASSETS.values() if mime == "font/ttf"]
    covered = [set(TTFont(path, lazy=True).getBestCmap()) for path in fonts]
    return frozenset(set.intersection(*covered))


def printable_text(text: str) -> str:
    """``text`` with every character the PDF's fonts lack written in words.

    WeasyPrint prints such a character as an empty box (the font's .notdef
    glyph), which a reader cannot tell from a printing fault: "💊" becomes
    "[pill]" (its Unicode name: a symbol carries a meaning worth keeping), a
    run of letters in a script the font lacks becomes one marker saying so,
    and joiners and variation selectors are dropped. Done here rather than by
    shipping more fonts: DejaVu Sans covers the Latin, Greek and Cyrillic
    scripts and the symbols the definitions use (a test holds this), and no
    font covers everything a patient may type. The web summary shows the
    original text.
    """
    covered = printable_characters()

    def words(match: re.Match[str]) -> str:
        out: list[str] = []
        unknown = False  # inside a run of letters no font has
        for character in match.group():
            category = unicodedata.category(character)
            if ord(character) in covered:
                out.append(character)
                unknown = False
            elif category in _MODIFIERS:
                continue
            elif category.startswith("S"):
                out.append(f"[{unicodedata.name(character, '?').lower()}]")
                unknown = False
            elif not unknown:
                out.append(escape(_("[characters the PDF cannot show]")))
                unknown = True
        return "".join(out)

    return _NOT_ASCII.sub(words, text)


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
        html = printable_text(render_to_string("scoring/summary_pdf.html", {"s": summary}))
    document = HTML(string=html, base_url=ASSET_SCHEME + "/", url_fetcher=AssetOnlyFetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def pdf_path(record: SummaryPdf) -> Path:
    return Path(settings.PRIVATE_FILES_ROOT) / "pdf" / record.file_name


def _write_atomic(path: Path, data: bytes) -> None:
    """A reader never sees half a file; a temporary name of its own, so two
    workers writing the same file at once do not share one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as temporary:
        temporary.write(data)
    Path(temporary.name).replace(path)


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"summary PDFs are rendered in {list(dict(settings.LANGUAGES))} only")


def summary_pdf_store(*, response_id: int, language: str = settings.LANGUAGE_CODE) -> SummaryPdf:
    """Render and store the PDF once per (response, template version, language).

    Idempotent: a second call (a retried task, a page opened twice) returns
    the stored record. The file is encrypted under the current data key
    (pro_portal.crypto); its name holds ids only, never patient data.
    """
    _check_language(language)
    existing = SummaryPdf.objects.filter(
        response_id=response_id, template_version=TEMPLATE_VERSION, language=language
    ).first()
    if existing is not None and pdf_path(existing).is_file():
        return existing
    return _render_and_store(response_id=response_id, language=language, existing=existing)[0]


def summary_pdf_data(*, response_id: int, language: str) -> bytes:
    """The stored PDF's bytes, decrypted; rendered now if it is not stored yet,
    or if its file cannot be opened with any accepted key (written under a
    key since dropped): the PDF is derived data, the summary renders again."""
    record = summary_pdf_store(response_id=response_id, language=language)
    try:
        return data_cipher().decrypt(pdf_path(record).read_bytes())
    except (InvalidToken, FileNotFoundError):  # FileNotFoundError: purged just now
        logger.warning("stored summary PDF %s could not be read; rendering it again", record.pk)
    return _render_and_store(response_id=response_id, language=language, existing=record)[1]


def _render_and_store(
    *, response_id: int, language: str, existing: SummaryPdf | None
) -> tuple[SummaryPdf, bytes]:
    response = Response.objects.select_related(
        "questionnaire_version__clinical_reviewer", "patient", "organisation", "review"
    ).get(pk=response_id, status=Response.Status.SUBMITTED)
    stored = result_original(response_id=response.pk)
    with translation.override(language):
        summary = summary_build(response=response, stored=stored, language=language)
    data = summary_pdf_render(summary)
    # The file is named by the storage key: response, template version, language.
    file_name = f"{response.public_id}-t{TEMPLATE_VERSION}-{language}.pdf.enc"
    _write_atomic(
        Path(settings.PRIVATE_FILES_ROOT) / "pdf" / file_name, data_cipher().encrypt(data)
    )
    # Hash and size of the PDF itself, so a decrypted file can be checked.
    facts = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if existing is not None:  # the file had gone (deleted by hand, lost disk): rendered again
        SummaryPdf.objects.filter(pk=existing.pk).update(**facts, rendered_at=timezone.now())
        existing.refresh_from_db()
        return existing, data
    key = {"response": response, "template_version": TEMPLATE_VERSION, "language": language}
    try:
        with transaction.atomic():
            return SummaryPdf.objects.create(**key, file_name=file_name, **facts), data
    except IntegrityError:  # rendered concurrently by another worker: same file
        return SummaryPdf.objects.get(**key), data


def summary_pdf_rotate(*, batch_size: int = 100) -> RotationCounts:
    """Re-encrypt every stored PDF file under the current data key.

    Idempotent: a file already under the current key is left as it is. A file
    no accepted key opens is counted and left; the summary renders it again
    when it is next asked for."""
    cipher = data_cipher()
    counts = RotationCounts()
    last = 0
    while True:
        batch = list(SummaryPdf.objects.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return counts
        for record in batch:
            path = pdf_path(record)
            try:
                token = path.read_bytes()
            except FileNotFoundError:
                counts.missing += 1
                continue
            if cipher.is_current(token):
                counts.current += 1
                continue
            try:
                _write_atomic(path, cipher.rotate(token))
            except InvalidToken:
                counts.unreadable += 1
            else:
                counts.rotated += 1
        last = batch[-1].pk


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
