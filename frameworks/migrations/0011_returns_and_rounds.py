"""Council words for the two workflow models: a ProgressUpdate is a Return, a ReportingPeriod a
Round (issue 15). Renames only: the tables, their history tables and every row are kept."""

from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("frameworks", "0010_round_labels_unique_ignoring_case"),
    ]

    operations = [
        migrations.RenameModel("ReportingPeriod", "Round"),
        migrations.RenameModel("HistoricalReportingPeriod", "HistoricalRound"),
        migrations.RenameModel("ProgressUpdate", "Return"),
        migrations.RenameModel("HistoricalProgressUpdate", "HistoricalReturn"),
    ]
