"""Index submissions by integrity hash: the public verify page looks a report up by it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0015_shares"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["integrity_hash"], name="submission_integrity_hash_idx"),
        ),
    ]
