"""The ``buyer_chat`` notice channel for Ozon orders (named in ``ZAPAS_FULFILMENT["NOTICE_CHANNELS"]``)."""

from __future__ import annotations

from fulfilment.notices.channels import Channel


class OzonBuyerChatChannel(Channel):
    name = "buyer_chat"

    def send(self, notice) -> None:
        from marketplaces.ozon.chat.services import chat_notice_send

        chat_notice_send(notice=notice)
