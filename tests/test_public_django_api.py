"""Production code uses Django's public API only: private attributes and compiler internals
break on upgrade and fail silently (STYLE.md). Tests may poke inside; production may not."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "core", "inventory", "fulfilment", "planning", "demo", "marketplaces")

# Attributes of Django's querysets, queries, compilers, expressions and model instances that
# are not part of its documented API (``_meta`` and ``_state`` are documented and allowed).
PRIVATE_ATTRIBUTES = {
    "_iterable_class",
    "_prefetch_related_lookups",
    "_prefetched_objects_cache",
    "_known_related_objects",
    "_result_cache",
    "_fields",
    "_hints",
    "_db",
    "_output_field_or_none",
    "get_compiler",
    "klass_info",
    "get_related_populators",
    "sql_with_params",
    "get_db_converters",
    "get_converters",
    "apply_converters",
    "get_col",
    "set_cached_value",
    "get_cached_value",
    "select_related_descend",
}
PRIVATE_MODULES = ("django.db.models.sql", "django.db.models.query_utils")
PRIVATE_NAMES = {"ModelIterable", "ValuesIterable", "ValuesListIterable", "RawModelIterable"}


def production_modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" not in parts and "migrations" not in parts:
                found.append(path)
    return found


def violations(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"{name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PRIVATE_MODULES):
                found.append(f"{name}:{node.lineno} from {node.module}")
            for alias in node.names:
                if alias.name in PRIVATE_NAMES:
                    found.append(f"{name}:{node.lineno} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PRIVATE_MODULES):
                    found.append(f"{name}:{node.lineno} import {alias.name}")
    return sorted(found, key=lambda v: int(v.split(":")[1].split()[0]))


def test_production_code_touches_no_private_django_attribute():
    modules = production_modules()
    assert len(modules) > 50  # the scan really covers the apps
    found = [
        v for path in modules for v in violations(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == []


def test_the_scan_catches_what_the_old_query_compiler_did():
    # the patterns the retired core/compiled.py was built on
    source = (
        "from django.db.models.query import ModelIterable, get_related_populators\n"
        "from django.db.models.sql.where import WhereNode\n"
        "def f(queryset, line, order):\n"
        "    compiler = queryset.query.get_compiler(using='default')\n"
        "    info = compiler.klass_info\n"
        "    assert queryset._iterable_class is ModelIterable\n"
        "    order._prefetched_objects_cache = {}\n"
    )
    assert violations(source, "x.py") == [
        "x.py:1 import ModelIterable",
        "x.py:2 from django.db.models.sql.where",
        "x.py:4 .get_compiler",
        "x.py:5 .klass_info",
        "x.py:6 ._iterable_class",
        "x.py:7 ._prefetched_objects_cache",
    ]
