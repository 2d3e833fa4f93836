"""Catalog endpoints beyond the foundation's (MARC)."""
