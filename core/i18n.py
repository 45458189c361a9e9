"""Translation catalogues without GNU gettext: compile and check them with Babel.

The .po files in ``locale/`` are the source; their .mo files are committed too, so a fresh
clone shows Russian and Chinese at once. ``manage.py compile_catalogues`` rewrites the .mo files
from the .po files (Python only), ``--check`` (run by the test suite) proves they agree.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

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


# --- Model labels --------------------------------------------------------------------------
# A field's label defaults to its name ("on_hand" → "on hand"), a plain string that gettext
# never sees. At start-up every label of our own models that is still plain text becomes a
# lazy translation of itself; ``core/model_labels.py`` (written by ``manage.py model_labels``,
# checked by a test) lists them for the catalogue. Migrations are unaffected: Django
# deconstructs fields from the arguments they were given, not from these attributes.

OWN_APPS = ("core", "inventory", "fulfilment", "planning", "ozon", "ozon_push", "ozon_rating")
LABELS_MODULE = Path(__file__).resolve().parent / "model_labels.py"


def _plain(value) -> bool:
    return isinstance(value, str) and not isinstance(value, Promise)


def _own_models():
    for label in OWN_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        yield from config.get_models()


_translated: set[str] = set()


def model_labels() -> list[str]:
    """The labels ``model_labels_translate`` made translatable: app, model, field and choice
    labels and help texts that were plain text."""
    return sorted(_translated)


def _lazy(text: str):
    _translated.add(text)
    return gettext_lazy(text)


def model_labels_translate() -> None:
    """Make every plain label of our models a lazy translation of itself (AppConfig.ready)."""
    for label in OWN_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        if _plain(config.verbose_name):
            config.verbose_name = _lazy(config.verbose_name)
    for model in _own_models():
        meta = model._meta
        if _plain(meta.verbose_name):
            meta.verbose_name = _lazy(meta.verbose_name)
        if _plain(meta.verbose_name_plural):
            meta.verbose_name_plural = _lazy(meta.verbose_name_plural)
        for field in meta.get_fields():
            if _plain(getattr(field, "verbose_name", None)):
                field.verbose_name = _lazy(field.verbose_name)
            if _plain(getattr(field, "help_text", None)) and field.help_text:
                field.help_text = _lazy(field.help_text)
            choices = getattr(field, "choices", None)
            if choices and all(len(choice) == 2 and _plain(choice[1]) for choice in choices):
                field.choices = [(value, _lazy(text)) for value, text in choices if text]


def model_labels_source() -> str:
    lines = [
        '"""Labels of the models that Django derives from names (written by `manage.py',
        "model_labels`; do not edit). They are here for makemessages: core.i18n translates",
        'them at start-up."""',
        "",
        "from django.utils.translation import gettext_noop",
        "",
        "LABELS = [",
        *(f"    gettext_noop({json.dumps(text, ensure_ascii=False)})," for text in model_labels()),
        "]",
        "",
    ]
    return "\n".join(lines)
