"""Index submissions by integrity hash: the public verify page looks a report up by it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0014_submissions_of_submitted_assessments"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["integrity_hash"], name="submission_integrity_hash_idx"),
        ),
    ]
