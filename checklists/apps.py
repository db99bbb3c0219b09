from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def load_bundled_checklists(sender, using="default", verbosity=1, **kwargs):
    """Publish the checklist versions bundled in checklists/fixtures/ (idempotent).

    Like Django's own content types and permissions, the bundled content follows `migrate`, so
    every installation and every test database has it without a separate step.
    """
    from django.conf import settings

    from .content import bundled_fixture_paths, read_checklist_file
    from .models import ChecklistVersion
    from .services import checklist_version_import

    if ChecklistVersion._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards: nothing to load into
    for path in bundled_fixture_paths():
        document = read_checklist_file(path)
        version, created = checklist_version_import(
            document=document, source_file=str(path.relative_to(settings.BASE_DIR))
        )
        if created and verbosity >= 1:
            print(f"Loaded checklist {version.slug} {version.version}.")


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = _("WEST checklists")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks

        post_migrate.connect(load_bundled_checklists, sender=self)
