"""Django's SQLite backend, validating integers against PostgreSQL's column ranges.

Django derives the range validators of every ``IntegerField`` (and so of model forms, the
admin, DRF model serializers and django-import-export's model validation) from the backend.
SQLite stores 64 bits in any integer column, so on SQLite 2,147,483,648 passed a form that
PostgreSQL's 32-bit ``integer`` refuses: the embedded default accepted what production would
wrap or reject. With these operations both databases accept and refuse the same numbers, and
the range checks run before any value reaches the database.
"""

from __future__ import annotations

from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def integer_field_range(self, internal_type: str) -> tuple[int | None, int | None]:
        # The base class's table is PostgreSQL's (int2, int4, int8).
        return BaseDatabaseOperations.integer_field_ranges[internal_type]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
