"""Users, sessions, login failures, jobs, settings."""
from dropship.db import Migrator
from dropship.models import FOUNDATION_MODELS


def up(m: Migrator) -> None:
    m.create_tables(FOUNDATION_MODELS)
