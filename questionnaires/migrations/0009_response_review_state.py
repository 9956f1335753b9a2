# Review state on the response, for the worklists: what its original result
# shows and its rank, when it was reviewed, and a partial index for
# "submitted and not reviewed". scoring 0007 fills them for older rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pro_portal', '0007_organisation_region'),
        ('questionnaires', '0008_answer_reuse'),
    ]

    operations = [
        migrations.AddField(
            model_name='response',
            name='attention',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='response',
            name='reviewed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='response',
            name='shown',
            field=models.CharField(blank=True, choices=[('red', 'Red'), ('safety_unanswered', 'Safety question unanswered'), ('yellow', 'Yellow'), ('incomplete', 'Incomplete'), ('green', 'Green')], editable=False, max_length=20),
        ),
        migrations.AddIndex(
            model_name='response',
            index=models.Index(condition=models.Q(('reviewed_at__isnull', True), ('status', 'submitted')), fields=['organisation', 'attention', 'submitted_at'], name='response_awaiting_review'),
        ),
    ]
