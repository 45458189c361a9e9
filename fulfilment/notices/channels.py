"""Delivery channels for notices. Add one by subclassing ``Channel`` and naming it in
``ZAPAS_FULFILMENT["NOTICE_CHANNELS"]``. The marketplace connector replaces the ``buyer_chat``
placeholder with its own channel (Ozon: ``marketplaces.ozon.chat``).
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.utils.module_loading import import_string

from fulfilment.conf import setting


class ChannelError(Exception):
    """Sending failed; worth retrying (network, rate limit, temporary outage)."""


class PermanentChannelError(ChannelError):
    """Sending can never succeed as is (no such channel, no recipient): do not retry."""


class ChannelFallback(PermanentChannelError):
    """This channel cannot carry the notice, but ``channel`` can, to ``recipient``.

    ``notice_send`` records ``reason`` on the notice (the admin shows it) and sends it there.
    """

    def __init__(self, reason: str, *, channel: str, recipient: str) -> None:
        super().__init__(reason)
        self.reason, self.channel, self.recipient = reason, channel, recipient


class Channel:
    name = ""

    def send(self, notice) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class EmailChannel(Channel):
    """Django's e-mail backend (the console backend by default)."""

    name = "email"

    def send(self, notice) -> None:
        if "@" not in notice.recipient:
            raise PermanentChannelError(f"{notice.recipient!r} is not an e-mail address.")
        try:
            send_mail(notice.subject, notice.body, None, [notice.recipient], fail_silently=False)
        except (OSError, ConnectionError) as exc:
            raise ChannelError(str(exc)) from exc


class BuyerChatChannel(Channel):
    """Placeholder until the marketplace connector provides the buyer chat."""

    name = "buyer_chat"

    def send(self, notice) -> None:
        raise PermanentChannelError(
            "The marketplace buyer chat is not connected yet; send this notice by e-mail or by hand."
        )


def get_channel(name: str) -> Channel:
    path = setting("NOTICE_CHANNELS").get(name)
    if not path:
        raise PermanentChannelError(f"No notice channel called {name!r} is configured.")
    return import_string(path)()
