"""Template tags and filters (`{% load tracker %}`): status tags, dates and people as the pages
show them. May import the domain and models; used by templates and `views.presenters`."""
