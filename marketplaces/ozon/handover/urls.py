"""Mounted under ``/api/v1/ozon/`` by ``config/urls.py``."""

from django.urls import path

from marketplaces.ozon.handover import apis

urlpatterns = [
    path("labels/", apis.WarehouseLabelsApi.as_view(), name="ozon-labels"),
    path("postings/<str:number>/label/", apis.PostingLabelApi.as_view(), name="ozon-posting-label"),
    path("carriages/<int:pk>/act/", apis.CarriageActApi.as_view(), name="ozon-carriage-act"),
    path(
        "carriages/<int:pk>/container-labels/",
        apis.CarriageContainerLabelsApi.as_view(),
        name="ozon-carriage-container-labels",
    ),
]
