"""What the scan station and the Due today page offer to print for Ozon orders (fulfilment hooks)."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fulfilment.hooks import OrderDocument
from fulfilment.models import Order, OrderStatus
from inventory.models import Warehouse
from marketplaces.ozon.handover.labels import packed_orders
from marketplaces.ozon.handover.models import Carriage, CarriageStatus
from marketplaces.ozon.models import Posting, PostingScheme


def order_documents(order: Order) -> list[OrderDocument]:
    """The package label of a packed Ozon FBS order."""
    if order.channel != "ozon" or order.status != OrderStatus.AWAITING_DELIVER:
        return []
    if not Posting.objects.filter(order=order, scheme=PostingScheme.FBS).exists():
        return []
    url = reverse("ozon-posting-label", args=[order.external_number])
    return [OrderDocument(kind="label", title=_("Print label"), url=url)]


def warehouse_documents(warehouse: Warehouse) -> list[OrderDocument]:
    """The labels of every packed Ozon order of the warehouse in one PDF, and today's acts."""
    count = packed_orders(warehouse=warehouse).count()
    if not count:
        return carriage_documents(warehouse)
    url = reverse("ozon-labels") + "?" + urlencode({"warehouse": warehouse.code})
    title = ngettext(
        "Print the label of %(count)d packed Ozon order (PDF)",
        "Print the labels of %(count)d packed Ozon orders (PDF)",
        count,
    ) % {"count": count}
    return [OrderDocument(kind="labels", title=title, url=url), *carriage_documents(warehouse)]


def carriage_documents(warehouse: Warehouse) -> list[OrderDocument]:
    """The acts of the warehouse's carriages approved today (local date of the warehouse) and
    the labels of their containers, if they have any."""
    today = timezone.now().astimezone(ZoneInfo(warehouse.time_zone)).date()
    carriages = Carriage.objects.filter(
        warehouse_link__warehouse=warehouse,
        departure_date=today,
        status=CarriageStatus.APPROVED,
    ).order_by("pk")
    documents = []
    for c in carriages:
        documents.append(
            OrderDocument(
                kind="act",
                title=_("Hand-over act of carriage %(carriage)s (PDF)")
                % {"carriage": c.carriage_id},
                url=reverse("ozon-carriage-act", args=[c.pk]),
            )
        )
        if c.containers_count:
            title = ngettext(
                "Label of the %(count)d container of carriage %(carriage)s (PDF)",
                "Labels of the %(count)d containers of carriage %(carriage)s (PDF)",
                c.containers_count,
            ) % {"count": c.containers_count, "carriage": c.carriage_id}
            url = reverse("ozon-carriage-container-labels", args=[c.pk])
            documents.append(OrderDocument(kind="containers", title=title, url=url))
    return documents
