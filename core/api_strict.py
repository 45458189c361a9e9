"""API pieces that refuse what they cannot honour instead of quietly ignoring it.

DRF falls back to the default page size for ``page_size=null`` or ``-1``, and django-filter
reads ``ship_by_before=`` as "no filter": a client with a bug then gets every row as if it had
asked for them. Here both answer 400 with the parameter named. A ``ClosedSerializer`` refuses
unknown fields and its schema says so (``additionalProperties: false``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import pagination, serializers
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
    """A filter parameter sent without a usable value is an error, not "no filter"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid:
            return False
        for name in self.filters:
            # Given, yet read as "no filter": empty, or a word like is_short=null.
            if name in self.data and self.form.cleaned_data.get(name) in (None, "", []):
                self.form.add_error(
                    name, _("This filter needs a value; leave the parameter out not to filter.")
                )
                valid = False
        return valid


class ClosedSerializer(serializers.Serializer):
    """Unknown fields are an error (where a misspelt key would change what the request means)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().validate(attrs)


class ClosedSerializerSchema(OpenApiSerializerExtension):
    """The schema of a ``ClosedSerializer`` forbids other fields, as the server does."""

    target_class = ClosedSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        # drf-spectacular's documented way for an extension to start from the default mapping.
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema
