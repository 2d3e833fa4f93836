from django.contrib import admin

from shuxiang.patrons.models import Patron, SchoolClass


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
    readonly_fields = ["status", "name_pinyin", "name_initials"]
