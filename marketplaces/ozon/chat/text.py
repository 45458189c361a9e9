"""A notice's text as buyer-chat messages: Ozon takes 1–1,000 characters a message.

A longer text is split where a reader would pause (paragraph, line, sentence, word; a single
word longer than a message is cut), each part numbered "(1/3)"; nothing is dropped but the
whitespace at the cuts. More parts than allowed is refused, never truncated.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 1000  # characters, /v1/chat/send/message

_SEPARATORS = (
    re.compile(r"(\n\s*\n)"),
    re.compile(r"(\n)"),
    re.compile(r"((?<=[.!?…;])\s+)"),
    re.compile(r"(\s+)"),
)


class ChatTextError(ValueError):
    """The text cannot be sent as chat messages (empty, or too long for the allowed parts)."""


def chat_parts(text: str, *, max_parts: int, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as at most ``max_parts`` messages of 1..``limit`` characters each."""
    text = text.strip()
    if not text:
        raise ChatTextError("The notice is empty: a chat message needs 1 to 1000 characters.")
    if len(text) <= limit:
        return [text]
    marker = len(f" ({max_parts}/{max_parts})")
    parts = [p for p in (piece.strip() for piece in _pieces(text, limit - marker, 0)) if p]
    if len(parts) > max_parts:
        raise ChatTextError(
            f"The notice is {len(text)} characters: that is {len(parts)} chat messages of at "
            f"most {limit} characters, and at most {max_parts} are allowed. Shorten it and "
            "send it again."
        )
    return [f"{part} ({n}/{len(parts)})" for n, part in enumerate(parts, 1)]


def _pieces(text: str, budget: int, level: int) -> list[str]:
    if len(text) <= budget:
        return [text]
    if level == len(_SEPARATORS):
        return [text[i : i + budget] for i in range(0, len(text), budget)]
    tokens = _SEPARATORS[level].split(text)  # piece, separator, piece, …
    out: list[str] = []
    current = ""
    for i in range(0, len(tokens), 2):
        piece = tokens[i]
        joined = current + tokens[i - 1] + piece if current else piece
        if len(joined) <= budget:
            current = joined
            continue
        if current:
            out.append(current)
        if len(piece) <= budget:
            current = piece
        else:
            *whole, current = _pieces(piece, budget, level + 1)
            out.extend(whole)
    if current:
        out.append(current)
    return out
