"""Reading legacy action-plan files: spreadsheets and JSON exports in, plain values out.

`readers` opens a file, `layouts` recognises its header row, `extract` turns its rows into a plan
(`LegacyPlan`), `parsing` holds the importers' own cell rules (percentages, leads, quarter
labels), `templates` writes blank workbooks. The rules shared with the rest of the tracker
(deadlines, status words, clean text, the vocabularies) are the domain's.

May import: the domain (`frameworks.domain`), and the models' `TextChoices` where one is needed
(`readers`, `layouts`, `parsing` and `extract` need none and import no Django: the fixtures'
scripts run `parsing` without settings). Never services, selectors or views: the services
(`frameworks.services.imports`) import the importers and write what they read.
"""
