# A stored summary PDF is keyed by response, template version and language.
# No rows exist here (0005 removed the plain ones), so the default only
# satisfies the schema change.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0005_plain_pdfs_removed"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="summarypdf",
            name="summary_pdf_once_per_template",
        ),
        migrations.AddField(
            model_name="summarypdf",
            name="language",
            field=models.CharField(default="da", max_length=8),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="summarypdf",
            constraint=models.UniqueConstraint(
                fields=("response", "template_version", "language"),
                name="summary_pdf_once_per_template_and_language",
            ),
        ),
    ]
