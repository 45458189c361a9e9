from django.urls import path

from marketplaces.ozon.push.views import ozon_push

urlpatterns = [path("<int:account_id>/push/", ozon_push, name="ozon-push")]
