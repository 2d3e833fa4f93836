from django.contrib import admin

from shuxiang.patrons.models import Patron, PromotionRun, ReaderSettings, RetiredCard, SchoolClass


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "school_year", "grade", "number", "homeroom_teacher"]
    list_filter = ["library", "school_year", "grade"]
    raw_id_fields = ["homeroom_teacher", "assistants"]


@admin.register(Patron)
class PatronAdmin(admin.ModelAdmin):
    list_display = ["card_number", "name", "category", "school_class", "status"]
    search_fields = ["card_number", "name", "name_initials", "student_number"]
    list_filter = ["library", "category", "status"]
    raw_id_fields = ["school_class", "user"]
    # Status changes go through the services so that they are audited.
    readonly_fields = [
        "status",
        "name_pinyin",
        "name_initials",
        "departure",
        "left_on",
        "anonymous",
    ]


@admin.register(RetiredCard)
class RetiredCardAdmin(admin.ModelAdmin):
    list_display = ["card_number", "patron", "reason", "retired_at", "replaced_by"]
    search_fields = ["card_number", "replaced_by"]
    readonly_fields = ["library", "patron", "card_number", "reason", "retired_at", "replaced_by"]


@admin.register(PromotionRun)
class PromotionRunAdmin(admin.ModelAdmin):
    list_display = [
        "library",
        "from_year",
        "to_year",
        "at",
        "by_name",
        "students_moved",
        "students_graduated",
    ]
    readonly_fields = [f.name for f in PromotionRun._meta.fields]


@admin.register(ReaderSettings)
class ReaderSettingsAdmin(admin.ModelAdmin):
    list_display = ["library", "homeroom_sees_history", "anonymize_after_years"]
