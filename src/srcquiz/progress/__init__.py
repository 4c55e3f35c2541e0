"""A learner's progress in SQLite: store, backups, statistics."""
