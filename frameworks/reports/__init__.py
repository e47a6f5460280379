"""The board pack: `data` builds the snapshot (everything a report shows, from the database),
`charts` draws its SVG figures, `render` lays it out as HTML, a tagged PDF and a spreadsheet.

May import the domain, models, selectors and exports; imported by the report services, views
and the `board_report` command.
"""
