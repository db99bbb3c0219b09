from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import ChecklistVersion, Question, Section, User


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
    """Published checklist content never changes; load a new version instead."""

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
