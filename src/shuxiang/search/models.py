"""The search index's tables. The token index itself is made by the migration, as each
database wants it: an FTS5 table `search_fts` on SQLite, a tsvector column `tokens` with a
GIN index on PostgreSQL (see docs/search.md)."""

from __future__ import annotations

from django.db import models

from shuxiang.catalog.models import Bib
from shuxiang.core.models import Library


class SearchDoc(models.Model):
    """One title in the index: the keys that exact and prefix matching compare, and
    the values that filters and facets read. Changed in the transaction that changes
    the title or its copies (catalog's search port)."""

    bib = models.OneToOneField(
        Bib, primary_key=True, on_delete=models.CASCADE, related_name="search_doc"
    )
    library = models.ForeignKey(Library, on_delete=models.CASCADE, db_index=False)
    title_key = models.CharField(max_length=200, blank=True)
    title_py = models.CharField(max_length=200, blank=True)
    title_in = models.CharField(max_length=200, blank=True)
    clc_top = models.CharField(max_length=1, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    material_type = models.CharField(max_length=20, blank=True)
    available = models.PositiveIntegerField(default=0)
    copies = models.PositiveIntegerField(default=0)
    withdrawn = models.BooleanField(default=False)
    # The locations of its copies (not withdrawn): location ids separated by spaces.
    locations = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        db_table = "search_doc"

    def __str__(self) -> str:
        return self.title_key


class SearchSuggest(models.Model):
    """A line of the suggest-as-you-type list: a title or an author under one of its
    keys (characters, full pinyin, initials)."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, db_index=False)
    bib = models.ForeignKey(Bib, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=1)  # t title, a author

    class Meta:
        db_table = "search_suggest"

    def __str__(self) -> str:
        return f"{self.key} → {self.text}"


class SearchGeneration(models.Model):
    """A library's index generation: a new random value whenever a title's facet values
    (class, type, year, locations) change in the index, so that a process keeping them in
    memory for fast facet counts knows to read them again (search.facet_values). Random,
    not counted up: a rolled-back change must not leave a number another change reuses."""

    library = models.OneToOneField(Library, primary_key=True, on_delete=models.CASCADE)
    value = models.BigIntegerField()

    class Meta:
        db_table = "search_generation"

    def __str__(self) -> str:
        return f"{self.library_id}: {self.value}"
