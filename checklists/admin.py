from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _

from .access import GRANTS
from .models import (
    AuditEvent,
    ChecklistVersion,
    Invitation,
    Membership,
    Organisation,
    ProjectUserObjectPermission,
    Question,
    Section,
    Submission,
    User,
)


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["email", "name"]


class UserChangeAdminForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "usable_password", "password1", "password2"],
            },
        ),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nothing here is added, changed or deleted: published checklist content (load a new
    version instead), submissions, and the audit trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["key", "title"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    list_display = ["title", "version", "slug", "loaded_at", "short_hash"]
    readonly_fields = [
        "slug",
        "version",
        "title",
        "subtitle",
        "language",
        "content_hash",
        "source_file",
        "loaded_at",
    ]
    exclude = ["document"]
    inlines = [SectionInline]

    @admin.display(description=_("content hash"))
    def short_hash(self, obj):
        return obj.content_hash[:12]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["key", "short_text", "critical", "flag_list", "checklist"]
    list_filter = ["checklist", "critical", "section__key"]
    search_fields = ["key", "text"]
    list_select_related = ["checklist"]
    fields = [
        "checklist",
        "section",
        "key",
        "text",
        "principles",
        "enablers",
        "flags",
        "critical",
        "na",
        "evidence",
        "guidance",
        "applies_if",
    ]
    readonly_fields = fields

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text if len(obj.text) < 90 else obj.text[:87] + "..."

    @admin.display(description=_("gap flags"))
    def flag_list(self, obj):
        return ", ".join(obj.flags)


# --- Organisations and the people in them ----------------------------------------------------
# Changes made here bypass the services, so they are not in the organisation's activity: this
# is for support, when the app's own pages cannot help.


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        # Its projects, assessments and people would go with it, and its audit trail be left
        # pointing at nothing: erasing an organisation is a deliberate job of its own.
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "user__name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]
    readonly_fields = ["created_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and sent by the app (the link's token exists only in the e-mail):
    none is added here, and the token's hash is shown, never edited."""

    list_display = ["email", "organisation", "project", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__name", "project__name"]
    list_select_related = ["organisation", "project"]
    fields = [
        "organisation",
        "project",
        "email",
        "role",
        "status",
        "invited_by",
        "created_at",
        "last_sent_at",
        "send_count",
        "expires_at",
        "decided_at",
        "decided_by",
        "token_hash",
    ]
    readonly_fields = [
        "organisation",
        "project",
        "email",
        "invited_by",
        "created_at",
        "last_sent_at",
        "send_count",
        "decided_at",
        "decided_by",
        "token_hash",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(ProjectUserObjectPermission)
class ProjectGrantAdmin(admin.ModelAdmin):
    """A collaborator's access to one project: view, or view and change (access.GRANTS)."""

    list_display = ["user", "content_object", "permission", "created_at"]
    list_filter = ["permission__codename"]
    search_fields = ["user__email", "user__name", "content_object__name"]
    list_select_related = ["user", "content_object", "permission"]
    raw_id_fields = ["user", "content_object"]
    readonly_fields = ["created_at"]
    fields = ["user", "content_object", "permission", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission":
            kwargs["queryset"] = Permission.objects.filter(
                content_type__app_label="checklists",
                content_type__model="project",
                codename__in=list(GRANTS),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- The audit trail -------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only, here as everywhere: the database refuses to change or delete an event."""

    list_display = ["organisation", "sequence", "created_at", "kind", "actor_name", "project_id"]
    list_filter = ["kind"]
    search_fields = ["actor_name", "organisation__name"]
    list_select_related = ["organisation"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "organisation",
        "sequence",
        "created_at",
        "kind",
        "actor",
        "actor_name",
        "project",
        "assessment",
        "subject",
        "data",
        "previous_hash",
        "hash",
    ]
    fields = readonly_fields


# --- Submissions -----------------------------------------------------------------------------


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """Read only: a submission is what was submitted, and the database refuses to change it."""

    list_display = ["project", "number", "milestone", "verdict", "score", "submitted_at"]
    list_filter = ["milestone", "verdict"]
    search_fields = ["project__name", "submitted_by_name", "integrity_hash"]
    list_select_related = ["project"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "assessment",
        "project",
        "number",
        "milestone",
        "checklist",
        "submitted_at",
        "submitted_by",
        "submitted_by_name",
        "integrity_hash",
        "verdict",
        "score",
        "summary",
        "answers",
    ]
    fields = readonly_fields
