"""Database check constraints that a form can hit, said on the field in words.

Django reports a failed ``CheckConstraint`` as a form-wide "Constraint “name” is violated.".
A model that mixes in ``FieldConstraintMessages`` reports it on the field instead, with what the
field must be: each part of the constraint's condition (an AND is split into its parts) is
checked on its own through ``CheckConstraint.validate``, and a failing part becomes an error on
the first field it names, worded from its comparisons ("Must be at least 0.",
"Must be between 0.5 and 0.999.", "Must not be more than quantity."). A constraint with its own
``violation_error_message`` keeps it, form-wide; a part whose condition has no simple wording
keeps Django's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import router
from django.db.models import CheckConstraint, F, Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _

#: (lookup, value, negated) of one comparison in a condition.
Leaf = tuple[str, Any, bool]


def _leaves(condition: Q, negated: bool = False) -> Iterator[Leaf]:
    negated = negated != condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            yield from _leaves(child, negated)
        else:
            yield child[0], child[1], negated


def _field_and_op(lookup: str) -> tuple[str, str]:
    name, _sep, op = lookup.partition("__")
    return name, op or "exact"


class FieldConstraintMessages:
    """Model mixin: a failed check constraint is an error on its field, in words."""

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list] = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    on_fields = (
                        constraint_field_errors(
                            self, model_class, constraint, exclude=exclude, using=using
                        )
                        if isinstance(constraint, CheckConstraint)
                        and constraint.violation_error_message
                        == constraint.default_violation_error_message
                        else {}
                    )
                    if on_fields:
                        for name, messages in on_fields.items():
                            errors.setdefault(name, []).extend(messages)
                    elif getattr(exc, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(exc)
                    else:
                        errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def constraint_rules(constraint: CheckConstraint) -> list[Q]:
    """The constraint's condition as rules on one set of fields each: the parts of an AND
    grouped by the fields they name ("gte 0.5" and "lte 0.999" are one rule)."""
    condition = constraint.condition
    parts = (
        condition.children
        if condition.connector == Q.AND and not condition.negated
        else [condition]
    )
    groups: dict[frozenset[str], list[Q]] = {}
    for part in parts:
        q = part if isinstance(part, Q) else Q(part)
        fields = frozenset(_field_and_op(lookup)[0] for lookup, _v, _n in _leaves(q))
        groups.setdefault(fields, []).append(q)
    return [Q(*group) for group in groups.values()]


def constraint_field_errors(
    instance, model, constraint: CheckConstraint, *, exclude=None, using=None
) -> dict[str, list[ValidationError]]:
    """The failing parts of ``constraint`` on ``instance`` as errors on their fields; empty
    when a failing part cannot be worded (the caller keeps Django's message)."""
    errors: dict[str, list[ValidationError]] = {}
    for rule in constraint_rules(constraint):
        probe = CheckConstraint(condition=rule, name="part")
        try:
            probe.validate(model, instance, exclude=exclude, using=using)
            continue
        except ValidationError:
            pass
        worded = rule_wording(model, probe.condition)
        if worded is None:
            return {}
        name, message = worded
        errors.setdefault(name, []).append(
            ValidationError(message, code=f"constraint_{constraint.name}")
        )
    return errors


def _shown(model, value: Any) -> str:
    if isinstance(value, F):
        try:
            return str(model._meta.get_field(value.name).verbose_name)
        except FieldDoesNotExist:
            return value.name
    if isinstance(value, int | float) or hasattr(value, "as_tuple"):
        return number_format(value)
    return str(value)


def rule_wording(model, condition: Q) -> tuple[str, str] | None:
    """(field, message) for a condition on one field made of comparisons, else None."""
    leaves = [leaf for leaf in _leaves(condition) if _field_and_op(leaf[0])[1] != "isnull"]
    names = {_field_and_op(lookup)[0] for lookup, _value, _neg in leaves}
    if len(names) != 1:
        return None
    name = names.pop()
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    bounds: dict[str, str] = {}
    for lookup, value, negated in leaves:
        op = _field_and_op(lookup)[1]
        if negated and op == "exact":
            bounds["not"] = _shown(model, value)
        elif not negated and op in ("gte", "gt", "lte", "lt"):
            bounds[op] = _shown(model, value)
        else:
            return None
    low = bounds.get("gte")
    high = bounds.get("lte")
    if low is not None and high is not None:
        message = _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}
    elif low is not None:
        message = _("Must be at least %(limit)s.") % {"limit": low}
    elif "gt" in bounds:
        message = _("Must be more than %(limit)s.") % {"limit": bounds["gt"]}
    elif high is not None:
        message = _("Must not be more than %(limit)s.") % {"limit": high}
    elif "lt" in bounds:
        message = _("Must be less than %(limit)s.") % {"limit": bounds["lt"]}
    elif "not" in bounds:
        message = _("Must not be %(value)s.") % {"value": bounds["not"]}
    else:
        return None
    return field.name, message
