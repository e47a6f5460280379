"""The Action Tracker's domain app: frameworks (plans), milestones, posts, rounds, returns and
board reports.

Layers, each importing only those above it: `domain` (the rules, plain Python) → `models`
(data and invariants) → `importers` (files in) → `selectors` (reads) and `services` (writes) →
`reports`, `exports`, `insight` → `forms`, `views`, `admin`, `management`, `tasks` (the edges
people and processes use). `rules`/`roles` say who may do what and may be used by any layer
from `selectors` on.
"""
