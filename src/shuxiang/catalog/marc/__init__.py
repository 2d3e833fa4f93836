"""MARC 21 and CNMARC in and out: ISO 2709 and MARCXML reading (detect, decode), the
mappings to and from Bib (marc21, cnmarc), holdings, the importer and the exporter."""
