"""PDF files from Ozon merged into one to print (pypdf)."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError


class NotAPdf(ValueError):
    pass


def pdf_merge(files: Iterable[bytes]) -> bytes:
    """The pages of ``files``, in order, as one PDF."""
    writer = PdfWriter()
    for content in files:
        try:
            writer.append(PdfReader(BytesIO(content)))
        except (PdfReadError, ValueError) as exc:
            raise NotAPdf(f"not a readable PDF ({exc})") from exc
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
