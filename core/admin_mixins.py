"""Permission mixins for admin pages that people look at but do not edit by hand."""

from __future__ import annotations

from django.http import HttpRequest


class ViewOnlyAdminMixin:
    """Written by a job or a service: nobody adds or edits rows here (deleting stays allowed)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin(ViewOnlyAdminMixin):
    """A record of what happened: not added, edited or deleted by hand."""

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
