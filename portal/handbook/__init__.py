"""Handbook documents, immutable revisions, Markdown rendering, editing, history and diff."""
