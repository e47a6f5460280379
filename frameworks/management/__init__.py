"""`manage.py` commands: the demo data, imports and exports, board reports and reminders. Each
command parses its arguments and calls a service or selector; no rules live here."""
