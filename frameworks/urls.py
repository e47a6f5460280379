from django.urls import path

from frameworks.views import browse, imports, milestones, reports, returns, rounds

app_name = "frameworks"

urlpatterns = [
    path("", returns.home, name="home"),
    path("returns/", returns.return_list, name="return-list"),
    path("returns/<int:pk>/", returns.return_edit, name="return-edit"),
    path("returns/<int:pk>/autosave/", returns.return_autosave, name="return-autosave"),
    path("returns/<int:pk>/review/", returns.return_review, name="return-review"),
    path("rounds/", rounds.round_list, name="round-list"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round-detail"),
    path("rounds/<int:pk>/open/", rounds.round_open, name="round-open"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="round-close"),
    path("frameworks/", browse.framework_list, name="framework-list"),
    path("frameworks/<slug:slug>/", browse.framework_detail, name="framework-detail"),
    path("frameworks/<slug:slug>/rounds/new/", rounds.round_create, name="round-create"),
    path("frameworks/<slug:slug>/milestones/", milestones.milestone_list, name="milestone-list"),
    path("milestones/<int:pk>/", browse.milestone_detail, name="milestone-detail"),
    path("milestones/<int:pk>/history/", browse.milestone_history, name="milestone-history"),
    path("reports/", reports.report_list, name="report-list"),
    path("reports/new/", reports.report_create, name="report-create"),
    path("reports/<int:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report-edit"),
    path("reports/<int:pk>/preview/", reports.report_preview, name="report-preview"),
    path("reports/<int:pk>/report.pdf", reports.report_pdf, name="report-pdf"),
    path("reports/<int:pk>/report.xlsx", reports.report_xlsx, name="report-xlsx"),
    path("reports/<int:pk>/publish/", reports.report_publish, name="report-publish"),
    path("reports/<int:pk>/builds/", reports.report_build_start, name="report-build-start"),
    path("reports/<int:pk>/builds/<int:build>/", reports.report_build, name="report-build"),
    path(
        "reports/<int:pk>/builds/<int:build>/report.pdf",
        reports.report_build_pdf,
        name="report-build-pdf",
    ),
    path(
        "reports/<int:pk>/versions/<int:version>.pdf",
        reports.published_pdf,
        name="report-published-pdf",
    ),
    path("reports/boards/", reports.board_list, name="board-list"),
    path("reports/boards/new/", reports.board_create, name="board-create"),
    path("reports/boards/<int:pk>/edit/", reports.board_edit, name="board-edit"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/new/rounds/", imports.import_rounds, name="import-rounds"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/templates/<slug:layout>.xlsx", imports.import_template, name="import-template"),
]
