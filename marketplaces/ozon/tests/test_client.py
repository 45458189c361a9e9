"""Retries that can succeed, none that cannot, Ozon's back-off signals, the key kept secret."""

from __future__ import annotations

import pytest
from django.db import connection

from marketplaces.ozon.client import OzonCircleOpen, OzonClient, OzonError, OzonRetryable
from marketplaces.ozon.models import OzonAccount
from marketplaces.ozon.tests.fake import API_KEY

BODY = {"limit": 200}
PATH = "/v2/warehouse/list"


def test_429_is_retried_after_its_retry_after(client, fake_ozon):
    fake_ozon.add_warehouse(1, "Main")
    fake_ozon.fail_next(PATH, "429", times=2, retry_after=3)
    answer = client.call(PATH, BODY)
    assert [w["warehouse_id"] for w in answer["warehouses"]] == [1]
    assert client.slept == [3.0, 3.0]
    assert len(fake_ozon.calls_to(PATH)) == 3


def test_5xx_is_retried_with_growing_jittered_waits(client, fake_ozon):
    fake_ozon.fail_next(PATH, "500", times=3)
    client.call(PATH, BODY)
    assert len(client.slept) == 3
    assert 0.5 <= client.slept[0] <= 1.5 and 1.0 <= client.slept[1] <= 2.0
    assert 2.0 <= client.slept[2] <= 3.0


def test_5xx_gives_up_after_max_attempts(account, fake_ozon):
    fake_ozon.fail_next(PATH, "500", times=10)
    with OzonClient.for_account(account, sleep=lambda s: None, max_attempts=3) as client:
        with pytest.raises(OzonRetryable, match="HTTP 500"):
            client.call(PATH, BODY)
    assert len(fake_ozon.calls_to(PATH)) == 3


def test_a_4xx_that_cannot_succeed_is_not_retried(account, fake_ozon):
    account.set_api_key("wrong-key")
    account.save()
    with OzonClient.for_account(account, sleep=lambda s: None) as client:
        with pytest.raises(OzonError) as raised:
            client.call(PATH, BODY)
    assert raised.value.status == 403 and not isinstance(raised.value, OzonRetryable)
    assert len(fake_ozon.calls_to(PATH)) == 1
    assert "wrong-key" not in str(raised.value)


def test_circle_is_open_closes_the_method_for_minutes_without_sleeping(client, fake_ozon):
    fake_ozon.fail_next(PATH, "circle")
    with pytest.raises(OzonCircleOpen) as raised:
        client.call(PATH, BODY)
    assert raised.value.retry_after == 180.0
    # The next call fails fast, without reaching Ozon, until the back-off has passed.
    with pytest.raises(OzonCircleOpen):
        client.call(PATH, BODY)
    assert len(fake_ozon.calls_to(PATH)) == 1 and client.slept == []
    client.call("/v1/roles", {})  # other methods are not blocked


def test_the_api_key_is_encrypted_at_rest_and_sent_as_a_header(account, client, fake_ozon):
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted FROM ozon_ozonaccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
    assert API_KEY not in stored and len(stored) > 60
    assert OzonAccount.objects.get(pk=account.pk).api_key == API_KEY
    client.call("/v1/roles", {})  # the fake answers 403 unless the headers carry the key
