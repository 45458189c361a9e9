"""List endpoints that refuse a query they cannot honour instead of quietly ignoring it.

DRF falls back to the default page size for ``page_size=null`` or ``-1``, and django-filter
reads ``ship_by_before=`` as "no filter": a client with a bug then gets every row as if it had
asked for them. Here both answer 400 with the parameter named.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class StrictPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        try:
            size = int(text)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                },
                code="invalid",
            )
        return size

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


class StrictFilterSet(django_filters.FilterSet):
    """A filter parameter sent without a value is an error, not "no filter"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and "" in self.data.getlist(name):
                self.form.add_error(
                    name, _("This filter needs a value; leave the parameter out not to filter.")
                )
                valid = False
        return valid
