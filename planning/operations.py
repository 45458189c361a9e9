"""Everything learned from the seller's own operations after each nightly plan: prep times,
packing capacity and the two-week outlook (``prep_capacity``), the day's cycle-count list
(``cycle_counts``) and expedite suggestions (``backup_suppliers``). Supplier lead times are
learned before the plan (``supplier_learning``), because the plan uses them."""

from __future__ import annotations

from datetime import date

from planning.backup_suppliers import expedite_refresh
from planning.cycle_counts import cycle_count_plan_build
from planning.prep_capacity import (
    capacity_forecast_refresh,
    packing_capacity_refresh,
    prep_time_refresh,
)


def operations_refresh(*, as_of: date) -> dict[str, int]:
    """Rows written per figure. Each step is its own transaction."""
    return {
        "prep_time": prep_time_refresh(as_of=as_of),
        "packing_capacity": packing_capacity_refresh(as_of=as_of),
        "capacity_forecast": capacity_forecast_refresh(as_of=as_of),
        "cycle_counts": cycle_count_plan_build(as_of=as_of),
        "expedite": expedite_refresh(as_of=as_of),
    }
