from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("inventory.urls")),
    path("api/v1/", include("fulfilment.scan_urls")),
    path("api/v1/", include("fulfilment.urls")),
    path("api/v1/", include("planning.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("scan/", core_views.scan_station, name="scan-station"),
]

if settings.BENCH_VIEWS:
    # bench/api_load.py compares the API with a bare Django view running the same lookup.
    from demo.views import bench_bare_lookup

    urlpatterns.append(path("bench/bare-lookup/<str:barcode>/", bench_bare_lookup))
