from django.urls import path

from frameworks.views import browse, imports, periods, returns

app_name = "frameworks"

urlpatterns = [
    path("", returns.home, name="home"),
    path("returns/", returns.update_list, name="update-list"),
    path("returns/<int:pk>/", returns.update_edit, name="update-edit"),
    path("returns/<int:pk>/autosave/", returns.update_autosave, name="update-autosave"),
    path("returns/<int:pk>/review/", returns.update_review, name="update-review"),
    path("rounds/", periods.period_list, name="period-list"),
    path("rounds/<int:pk>/", periods.period_detail, name="period-detail"),
    path("rounds/<int:pk>/open/", periods.period_open, name="period-open"),
    path("rounds/<int:pk>/close/", periods.period_close, name="period-close"),
    path("frameworks/", browse.framework_list, name="framework-list"),
    path("frameworks/<slug:slug>/", browse.framework_detail, name="framework-detail"),
    path("frameworks/<slug:slug>/rounds/new/", periods.period_create, name="period-create"),
    path("milestones/<int:pk>/", browse.milestone_detail, name="milestone-detail"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/new/", imports.import_create, name="import-create"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/templates/<slug:layout>.xlsx", imports.import_template, name="import-template"),
]
