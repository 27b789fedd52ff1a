"""Numbered schema migrations (`mNNNN_name.py`, each with `up(m)`); see `dropship.db.run_migrations`."""
