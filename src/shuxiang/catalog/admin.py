from django.contrib import admin

from shuxiang.catalog.models import Bib, CallNumber, Item, NumberSeries


@admin.register(Bib)
class BibAdmin(admin.ModelAdmin):
    list_display = ["title", "responsibility", "publisher", "year", "isbn", "clc"]
    search_fields = ["title", "isbn", "clc"]
    list_filter = ["library", "material_type"]


@admin.register(CallNumber)
class CallNumberAdmin(admin.ModelAdmin):
    list_display = ["value", "bib", "volume", "library"]
    search_fields = ["value"]
    raw_id_fields = ["bib"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["barcode", "accession_number", "bib", "status", "circulation_type", "location"]
    search_fields = ["barcode", "accession_number"]
    list_filter = ["library", "status", "circulation_type"]
    raw_id_fields = ["bib", "call_number"]
    # Status changes go through the circulation services so that they are audited.
    readonly_fields = ["status"]


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    list_display = ["library", "kind", "prefix", "width", "next_value", "last_value"]
    # Numbers are set on the cataloging settings page (number_series_update), which
    # refuses to move accession numbers back and writes an audit event.
    readonly_fields = ["library", "kind", "prefix", "width", "next_value", "last_value"]
