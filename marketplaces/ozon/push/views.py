"""The endpoint Ozon sends push notifications to: ``POST /integrations/ozon/<account>/push/``.

It answers at once (a row written, a sync queued after commit: well within Ozon's 5 s), in
Ozon's shapes: ``TYPE_PING`` gets ``{version, name, time}``, a notification ``{"result": true}``,
an error ``{"error": {code, message, details}}`` with a 4xx. Nothing in the body is trusted
beyond the posting number; the account comes from the URL Ozon was given, and the sender must
be in ``OZON_PUSH["ALLOWED_NETWORKS"]``. Duplicates are answered 200 (a 4xx would count
against the endpoint in Ozon's eyes and pause the notifications).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.push import services

APP_NAME = "Zapas"
APP_VERSION = "1"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "details": None}}, status=status
    )


def _sender(request: HttpRequest) -> str:
    header = settings.OZON_PUSH["SENDER_HEADER"]
    if header:  # set by a reverse proxy we run (e.g. X-Real-IP); never a client's own header
        return (request.META.get(header) or "").split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


@csrf_exempt
@require_POST
def ozon_push(request: HttpRequest, account_id: int) -> JsonResponse:
    if not services.sender_allowed(_sender(request)):
        return _error(403, "ERROR_UNKNOWN", _("This sender is not allowed to push notifications."))
    account = OzonAccount.objects.filter(pk=account_id, is_enabled=True).first()
    if account is None:
        return _error(404, "ERROR_UNKNOWN", _("No enabled Ozon account here."))
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "ERROR_UNKNOWN", _("The body is not JSON."))
    if not isinstance(body, dict) or not isinstance(body.get("message_type"), str):
        return _error(400, "ERROR_PARAMETER_VALUE_MISSED", _("message_type is missing."))
    message_type = body["message_type"]
    if message_type == "TYPE_PING":
        now = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        return JsonResponse({"version": APP_VERSION, "name": APP_NAME, "time": now})
    if message_type not in services.POSTING_TYPES:
        return JsonResponse({"result": True})  # not ours to act on (chats, products, …)
    number = body.get("posting_number")
    if not isinstance(number, str) or not services.POSTING_NUMBER.match(number):
        return _error(
            400, "ERROR_PARAMETER_VALUE_MISSED", _("posting_number is missing or malformed.")
        )
    services.push_receive(
        account=account, message_type=message_type, posting_number=number, body=body
    )
    return JsonResponse({"result": True})
