from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import views as core_views

admin.site.site_header = _("Zapas")
admin.site.site_title = _("Zapas")
admin.site.index_title = _("Stock, orders and plans")

urlpatterns = [
    # "View site" and a bare host name land on the dashboard (the scan station is /scan/).
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("inventory.urls")),
    path("api/v1/", include("fulfilment.scan_urls")),
    path("api/v1/", include("fulfilment.urls")),
    path("api/v1/", include("planning.urls")),
    path("api/v1/ozon/", include("marketplaces.ozon.handover.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("scan/", core_views.scan_station, name="scan-station"),
    # POST only: ends the staff session, then back to the station's sign-in.
    path("scan/sign-out/", LogoutView.as_view(next_page="scan-station"), name="scan-sign-out"),
    # The scan station's strings in the page's language (gettext in JavaScript).
    # The language switch posts here (Django's set_language); the choice is kept in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("integrations/ozon/", include("marketplaces.ozon.push.urls")),
]

if settings.BENCH_VIEWS:
    # bench/api_load.py compares the API with a bare Django view running the same lookup.
    from demo.views import bench_bare_lookup

    urlpatterns.append(path("bench/bare-lookup/<str:barcode>/", bench_bare_lookup))

# Errors raised outside a DRF view still answer JSON under /api/ (core.views).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
