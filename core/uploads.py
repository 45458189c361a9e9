"""Limits on uploaded files, checked before a file is parsed (XLSX zip bombs, huge uploads).

An XLSX file is a zip archive: 2 MB can unpack to 2 GiB, and openpyxl holds a sheet's shared
strings in memory. The archive's directory states each member's size, and Python's ``zipfile``
never inflates a member past its stated size, so summing the directory bounds what parsing
can unpack. Limits (``ZAPAS["UPLOADS"]``): the upload's size, the unpacked size of an XLSX,
rows, and characters per cell (Excel's own maximum, 32,767). Every refusal is an
``InvalidInput`` saying the figure and the limit.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidInput

_MB = 1024 * 1024


def upload_limit(name: str) -> int:
    return int(settings.ZAPAS["UPLOADS"][name])


def _megabytes(size: int) -> str:
    return f"{size / _MB:,.1f} MB"


def file_size(file: Any) -> int:
    """Size in bytes of an upload, a file object, bytes or text (the position is kept)."""
    if isinstance(file, bytes | bytearray):
        return len(file)
    if isinstance(file, str):  # a text import already decoded
        return len(file.encode("utf-8", "surrogatepass"))
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    position = file.tell()
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(position)
    return size


def upload_size_check(file: Any) -> None:
    """``file_too_large`` beyond ``UPLOADS["MAX_BYTES"]``."""
    size, limit = file_size(file), upload_limit("MAX_BYTES")
    if size > limit:
        raise InvalidInput(
            _("The file is %(size)s; at most %(limit)s are accepted.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            code="file_too_large",
            details={"size": size, "limit": limit},
        )


def xlsx_archive_check(file: BinaryIO | bytes) -> None:
    """Refuse an XLSX whose members unpack to more than ``UPLOADS["MAX_XLSX_UNPACKED_BYTES"]``
    (``xlsx_too_large``) or that is no zip archive (``xlsx_unreadable``); reads only the
    archive's directory, and rewinds a file."""
    stream = io.BytesIO(file) if isinstance(file, bytes | bytearray) else file
    position = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidInput(
            _("The XLSX file cannot be read: %(error)s") % {"error": exc}, code="xlsx_unreadable"
        ) from None
    finally:
        stream.seek(position)
    unpacked, limit = (
        sum(member.file_size for member in members),
        upload_limit("MAX_XLSX_UNPACKED_BYTES"),
    )
    if unpacked > limit or len(members) > 10_000:
        raise InvalidInput(
            _("The XLSX file unpacks to %(size)s; at most %(limit)s are accepted.")
            % {"size": _megabytes(unpacked), "limit": _megabytes(limit)},
            code="xlsx_too_large",
            details={"unpacked": unpacked, "limit": limit},
        )


def rows_check(count: int) -> None:
    """``too_many_rows`` once ``count`` passes ``UPLOADS["MAX_ROWS"]``."""
    limit = upload_limit("MAX_ROWS")
    if count > limit:
        raise InvalidInput(
            _("The file has more than %(limit)s rows; split it.") % {"limit": f"{limit:,}"},
            code="too_many_rows",
            details={"limit": limit},
        )


def cells_check(values: Any, *, line: int) -> None:
    """``cell_too_long`` for a cell of more than ``UPLOADS["MAX_CELL_CHARS"]`` characters."""
    limit = upload_limit("MAX_CELL_CHARS")
    for value in values:
        if isinstance(value, str) and len(value) > limit:
            raise InvalidInput(
                _("Line %(line)s has a cell of %(length)s characters; at most %(limit)s.")
                % {"line": line, "length": f"{len(value):,}", "limit": f"{limit:,}"},
                code="cell_too_long",
                details={"line": line, "limit": limit},
            )
