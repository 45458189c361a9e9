"""Order endpoints of the scanner API, mounted under ``/api/v1/`` by ``config/urls.py``."""

from django.urls import path

from fulfilment import lookup_apis, scan_apis

urlpatterns = [
    path(
        "barcodes/<str:barcode>/", lookup_apis.BarcodeLookupApi.as_view(), name="api-barcode-lookup"
    ),
    path("pick-list/", scan_apis.PickListApi.as_view(), name="api-pick-list"),
    path("orders/", scan_apis.OrderListApi.as_view(), name="api-orders"),
    path("orders/<str:number>/", scan_apis.OrderDetailApi.as_view(), name="api-order"),
    path(
        "orders/<str:number>/pack-scans/",
        scan_apis.PackScanApi.as_view(),
        name="api-order-pack-scan",
    ),
    path("orders/<str:number>/ship/", scan_apis.ShipApi.as_view(), name="api-order-ship"),
    path(
        "orders/<str:number>/documents/",
        scan_apis.OrderDocumentsApi.as_view(),
        name="api-order-documents",
    ),
    path("shipments/", scan_apis.ShipBatchApi.as_view(), name="api-ship-batch"),
]
