"""The fake Ozon with the buyer-chat methods (answers validated against the description too)."""

from __future__ import annotations

import uuid
from typing import Any

from marketplaces.ozon.tests.fake import FakeOzon

# Ozon's 403 ("Access denied" in the description) for a seller without the subscription.
NO_SUBSCRIPTION = (
    "Access denied: the method is available with the Premium Plus or Premium Pro subscription"
)


class ChatFakeOzon(FakeOzon):
    """Chats per posting and the messages sent; ``chat_allowed`` plays the subscription."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chat_allowed = True
        self.chats: dict[str, str] = {}  # posting number -> chat id
        self.messages: list[tuple[str, str]] = []  # (chat id, text)

    def do_v1_chat_start(self, body):
        if not self.chat_allowed:
            return self._error(403, 7, NO_SUBSCRIPTION)
        number = body["posting_number"]
        if number not in self.postings:
            return self._error(404, 5, "posting not found")
        chat_id = self.chats.setdefault(number, str(uuid.uuid4()))
        return {"result": {"chat_id": chat_id}}

    def do_v1_chat_send_message(self, body):
        if not self.chat_allowed:
            return self._error(403, 7, NO_SUBSCRIPTION)
        if body["chat_id"] not in self.chats.values():
            return self._error(404, 5, "chat not found")
        if not 1 <= len(body["text"]) <= 1000:
            return self._error(400, 3, "text must be from 1 to 1000 symbols")
        self.messages.append((body["chat_id"], body["text"]))
        return {"result": "success"}
