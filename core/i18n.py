"""Translation catalogues without GNU gettext: compile and check them with Babel.

The .po files in ``locale/`` are the source; their .mo files are committed too, so a fresh
clone shows Russian and Chinese at once. ``manage.py compile_catalogues`` rewrites the .mo files
from the .po files (Python only), ``--check`` (run by the test suite) proves they agree.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.conf import settings

# English is the source language: its catalogue exists (for plural forms) but may stay empty.
SOURCE_LANGUAGE = "en"


def po_files() -> list[Path]:
    return sorted(
        path for locale_dir in settings.LOCALE_PATHS for path in Path(locale_dir).glob("*/*/*.po")
    )


def _read(po_path: Path):
    with po_path.open("rb") as handle:
        return read_po(handle, locale=po_path.parent.parent.name)


def _compiled(po_path: Path) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, _read(po_path), use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogue(po_path: Path) -> int:
    """Write the .mo next to the .po; returns the number of translated messages."""
    data = _compiled(po_path)
    po_path.with_suffix(".mo").write_bytes(data)
    return len(_messages(data))


def _messages(data: bytes) -> dict:
    """Message id → translation, as gettext will read them."""
    return {
        _hashable(message.id): _hashable(message.string)
        for message in read_mo(io.BytesIO(data))
        if message.id
    }


def _hashable(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def catalogue_problems(po_path: Path) -> list[str]:
    """What is wrong with one catalogue: stale or missing .mo, untranslated or fuzzy entries."""
    problems = []
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{mo_path}: missing (run manage.py compile_catalogues)")
    elif _messages(mo_path.read_bytes()) != _messages(_compiled(po_path)):
        problems.append(f"{mo_path}: stale (run manage.py compile_catalogues)")
    if po_path.parent.parent.name == SOURCE_LANGUAGE:
        return problems
    for message in _read(po_path):
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            problems.append(f"{po_path}: fuzzy {label!r}")
        elif not (message.string if isinstance(message.string, str) else all(message.string)):
            problems.append(f"{po_path}: untranslated {label!r}")
    return problems
