from django.contrib import admin

from shuxiang.core import models


@admin.register(models.Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "school_name", "current_school_year"]


@admin.register(models.Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "active", "library"]
    list_filter = ["library", "kind", "active"]
    # Taken out of use and back on the settings page (core.services.location_set_active),
    # which keeps one location of the library in use.
    readonly_fields = ["active"]


@admin.register(models.OpeningSlot)
class OpeningSlotAdmin(admin.ModelAdmin):
    list_display = ["library", "weekday", "opens", "closes", "audience"]
    list_filter = ["library"]


@admin.register(models.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["library", "date", "kind", "note"]
    list_filter = ["library", "kind"]


@admin.register(models.Vacation)
class VacationAdmin(admin.ModelAdmin):
    list_display = ["library", "name", "start", "end"]


@admin.register(models.Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["library", "name", "start", "end"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "library"]


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes to audit events anyway."""

    list_display = ["at", "actor_name", "channel", "action", "object_repr"]
    list_filter = ["channel", "action"]
    search_fields = ["object_repr", "object_id", "actor_name"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
