"""Factories for the API tests: scanner devices with a known token."""

from __future__ import annotations

import factory

from core.models import ScannerDevice
from core.services import scanner_device_issue_token
from inventory.tests.factories import UserFactory, WarehouseFactory


class ScannerDeviceFactory(factory.django.DjangoModelFactory):
    """A device with a fresh token; the clear token is on ``device.token`` (tests only)."""

    class Meta:
        model = ScannerDevice
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"TSD-{n:02d}")
    warehouse = factory.SubFactory(WarehouseFactory)
    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def token(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.token = scanner_device_issue_token(device=obj)
            obj.refresh_from_db()
