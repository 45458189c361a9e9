from django.urls import path

from planning.apis import CycleCountListApi

urlpatterns = [
    path("cycle-counts/", CycleCountListApi.as_view(), name="cycle-count-list"),
]
