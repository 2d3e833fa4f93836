from django.contrib import admin

from shuxiang.sru.models import SruServer


@admin.register(SruServer)
class SruServerAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "database", "record_schema", "enabled", "library"]
    list_filter = ["library", "enabled"]
