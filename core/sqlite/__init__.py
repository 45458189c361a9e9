"""SQLite with PostgreSQL's integer column ranges (``ENGINE = "core.sqlite"``, set by the
settings whenever the database is SQLite); see ``base``."""
