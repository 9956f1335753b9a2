# A response names the consultation its answers are for (docs/architecture.md,
# "Kiosk answers belong to today's visit"). Until now that was only its
# invitation's consultation: copy it, so that lists read one column.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_invitations(apps, schema_editor):
    Response = apps.get_model("questionnaires", "Response")
    Invitation = apps.get_model("questionnaires", "Invitation")
    consultation = Invitation.objects.filter(pk=OuterRef("invitation_id")).values(
        "consultation_id"
    )[:1]
    Response.objects.filter(invitation__consultation__isnull=False).update(
        consultation_id=Subquery(consultation)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0004_scoringresult_moved_here"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="consultation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="responses",
                to="questionnaires.consultation",
            ),
        ),
        migrations.RunPython(copy_from_invitations, migrations.RunPython.noop),
    ]
