"""Writes with business rules. Keyword-only, typed, atomic; named `<entity>_<action>`."""
