"""Anki packages: note types, HTML, export and import."""
