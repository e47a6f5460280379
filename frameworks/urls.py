from django.urls import path

from frameworks.views import browse, periods, returns

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
]
