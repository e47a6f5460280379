"""Thin views: bind a form, call a service or selector, render or redirect."""
