"""Readers for legacy action-plan papers and spreadsheets (pure parsing lives in `parsing`)."""
