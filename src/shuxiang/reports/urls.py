"""Staff pages of the reports app, under /staff/reports/."""

from __future__ import annotations

from django.urls import path

from shuxiang.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("report.xlsx", views.xlsx, name="xlsx"),
    path("report.pdf", views.pdf, name="pdf"),
    path("inspection.xlsx", views.inspection, name="inspection"),
    path("term-summary.docx", views.term_summary, name="term_summary"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/rule-set/", views.rule_set_upload, name="rule_set_upload"),
    path("settings/rule-set/<slug:code>/delete/", views.rule_set_delete, name="rule_set_delete"),
    path("reading-lists/", views.reading_lists_page, name="reading_lists"),
    path("reading-lists/<int:list_id>/", views.reading_list_page, name="reading_list"),
    path("reading-lists/<int:list_id>.xlsx", views.reading_list_xlsx, name="reading_list_xlsx"),
    path(
        "reading-lists/<int:list_id>/<str:action>/",
        views.reading_list_action,
        name="reading_list_action",
    ),
    path("standards/<slug:code>.json", views.rule_set_file, name="rule_set_file"),
    path("ledgers/<slug:name>/", views.ledger, name="ledger"),
    path("ledgers/<slug:name>.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("ledgers/<slug:name>.pdf", views.ledger_pdf, name="ledger_pdf"),
    # The published page, open to the campus network without a login (see views.public).
    path("public/<slug:code>/", views.public, name="public"),
]
