from django.contrib import admin

from shuxiang.sru.models import SruServer


@admin.register(SruServer)
class SruServerAdmin(admin.ModelAdmin):
    list_display = ["name", "protocol", "url", "host", "port", "database", "enabled", "library"]
    list_filter = ["library", "protocol", "enabled"]
