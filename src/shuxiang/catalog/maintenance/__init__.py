"""Catalog maintenance (书目维护): merging duplicate titles that a migration left behind,
and reclassifying (再分类) titles with new call numbers and new spine labels.

`merge.py` and `reclassify.py` are pure (values in, decision out); `services.py` holds
the use cases; `merge_port.py` is where circulation and acquisitions move their rows
when titles are merged; `finder.py` is where the search app answers "select by search"."""
