"""Zapas's own error index on a hand-built history, computed the way Ozon defines it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplaces.ozon.rating.index import (
    DEFAULT_ZONES,
    ErrorType,
    PostingRecord,
    error_charge,
    error_index,
    window,
    zone_for,
    zones_with_blocking_at,
)

TODAY = date(2026, 12, 10)
WINDOW_START = date(2026, 11, 26)


def hand_built_history() -> list[PostingRecord]:
    # 47 postings handed over in time, their deadlines spread over the 14 days of the window.
    on_time = [PostingRecord(f"OK-{i}", WINDOW_START + timedelta(days=i % 14)) for i in range(47)]
    return [
        *on_time,
        # On the first day of the window: counts.
        PostingRecord(
            "C-1",
            date(2026, 11, 27),
            ErrorType.SELLER_CANCELLATION,
            date(2026, 11, 26),
            Decimal("900"),
        ),
        PostingRecord("C-2", date(2026, 12, 2), ErrorType.SELLER_CANCELLATION, date(2026, 12, 1)),
        PostingRecord("D-1", date(2026, 12, 5), ErrorType.SELLER_DELAY, date(2026, 12, 5)),
        # The day before the window: left out, although its deadline is inside it.
        PostingRecord(
            "C-OLD", date(2026, 11, 26), ErrorType.SELLER_CANCELLATION, date(2026, 11, 25)
        ),
        # Today is never counted.
        PostingRecord("OK-TODAY", TODAY),
        PostingRecord("D-TODAY", TODAY, ErrorType.SELLER_DELAY, TODAY),
    ]


def test_window_is_the_14_days_before_today():
    assert window(TODAY) == (date(2026, 11, 26), date(2026, 12, 9))


def test_index_of_today_on_the_hand_built_history():
    value = error_index(hand_built_history(), day=TODAY)

    assert (value.postings, value.cancellations, value.delays) == (50, 2, 1)
    assert value.percent == 6.0
    assert value.zone.name == "yellow"
    assert value.error_numbers == ("C-1", "C-2", "D-1")


def test_index_of_tomorrow_drops_the_first_day_and_takes_today():
    value = error_index(hand_built_history(), day=TODAY + timedelta(days=1))

    # 47 − 4 on-time postings due on 26 Nov, + 2 of today; C-1 leaves, D-TODAY enters.
    assert (value.postings, value.cancellations, value.delays) == (47, 1, 2)
    assert value.percent == round(300 / 47, 4) == 6.383


def test_no_postings_no_index():
    value = error_index([], day=TODAY)
    assert (value.postings, value.percent, value.zone) == (0, None, None)


@pytest.mark.parametrize(
    ("percent", "zone", "charge"),
    [
        (0.0, "green", "0"),
        (4.0, "green", "0"),
        (4.01, "yellow", "3"),
        (10.0, "yellow", "3"),
        (19.99, "orange", "6"),
        (40.0, "red", "9"),
        (40.5, "blocking", "9"),
    ],
)
def test_zones_follow_the_published_table(percent, zone, charge):
    found = zone_for(percent)
    assert (found.name, found.charge_percent) == (zone, Decimal(charge))
    assert found.blocking is (zone == "blocking")


def test_charge_is_a_share_of_the_price_capped_per_order():
    yellow = zone_for(6.0)
    assert error_charge(Decimal("1999.99"), yellow) == Decimal("60.00")
    assert error_charge(Decimal("1999.99"), yellow, cap=Decimal("50")) == Decimal("50")
    assert error_charge(Decimal("1999.99"), zone_for(1.0)) == Decimal("0.00")


def test_ozon_blocking_threshold_replaces_the_published_one():
    zones = zones_with_blocking_at(30.0)
    assert [(z.name, z.upper) for z in zones] == [
        ("green", 4.0),
        ("yellow", 10.0),
        ("orange", 20.0),
        ("red", 30.0),
        ("blocking", None),
    ]
    assert zone_for(35.0, zones).blocking
    assert [z.upper for z in zones_with_blocking_at(15.0)] == [4.0, 10.0, 15.0, None]
    assert zones_with_blocking_at(40.0) == DEFAULT_ZONES
    with pytest.raises(ValueError):
        zones_with_blocking_at(0)
