"""Fulfilment API, mounted under ``/api/v1/`` by ``config/urls.py``."""

from django.urls import path

from fulfilment import apis

urlpatterns = [
    path("fulfilment/metrics/", apis.SellerMetricsApi.as_view(), name="api-seller-metrics"),
]
