"""Inventory API, mounted under ``/api/v1/`` by ``config/urls.py``."""

from django.urls import path

from inventory import apis

urlpatterns = [
    path("me/", apis.WhoAmIApi.as_view(), name="api-whoami"),
    path("receipts/", apis.ReceiptApi.as_view(), name="api-receipt"),
    path("counts/", apis.CountApi.as_view(), name="api-count"),
    path(
        "transfers/<str:number>/dispatch/",
        apis.TransferDispatchApi.as_view(),
        name="api-transfer-dispatch",
    ),
    path(
        "transfers/<str:number>/receive/",
        apis.TransferReceiveApi.as_view(),
        name="api-transfer-receive",
    ),
    path("stock-levels/", apis.StockLevelListApi.as_view(), name="api-stock-levels"),
    path("movements/", apis.MovementListApi.as_view(), name="api-movements"),
]
