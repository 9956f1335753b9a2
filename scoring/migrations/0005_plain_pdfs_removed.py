# Summary PDFs stored before encryption at rest hold the patient's name and
# CPR number in plain text. They are removed, files and records, rather than
# encrypted in place: a PDF is derived data (the summary renders it again on
# demand, as it does after PDF_RETENTION_DAYS), and its language, now part of
# its key, was not recorded — the task rendered Danish, the download view the
# clinician's language when it came first — so an encrypted copy could be
# filed under the wrong language.

from pathlib import Path

from django.conf import settings
from django.db import migrations


def remove_plain_pdfs(apps, schema_editor):
    SummaryPdf = apps.get_model("scoring", "SummaryPdf")
    folder = Path(settings.PRIVATE_FILES_ROOT) / "pdf"
    for file_name in SummaryPdf.objects.values_list("file_name", flat=True).iterator():
        (folder / file_name).unlink(missing_ok=True)
    SummaryPdf.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0004_scoringresult_moves_to_questionnaires"),
    ]

    operations = [
        migrations.RunPython(remove_plain_pdfs, migrations.RunPython.noop, elidable=True),
    ]
