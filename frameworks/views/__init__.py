"""Thin views: bind a form, call a service or selector, render or redirect.

One module per area (returns, rounds, posts, browse, milestones, imports, reports); `presenters`
builds the cells of the pages' big tables from what the selectors return. Views may import
anything in the app; nothing in the app imports views (only `tracker.urls`, through
`frameworks.urls`).
"""
