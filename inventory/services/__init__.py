"""Every write to stock. Nothing else changes ``StockLevel.on_hand`` or ``reserved``.

One module per document: ``ledger`` (actor, row locks, the ledger row), ``stock`` (receipts,
shipments, counts, reservations), ``purchase_orders``, ``transfers``, ``calendar``. Callers import from this
package (``from inventory.services import stock_receive``); the split is an internal layout.
"""

from inventory.selectors import sku_by_barcode
from inventory.services.calendar import warehouse_calendar_seed
from inventory.services.fbo_reports import FboStockRow, fbo_stock_report_replace
from inventory.services.ledger import (
    SYSTEM,
    Actor,
    CountResult,
    _lock_levels,
    document_number,
)
from inventory.services.opening import stock_opening_balances
from inventory.services.purchase_orders import (
    expected_arrival,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_receive_lines,
    purchase_order_send,
)
from inventory.services.stock import (
    stock_count,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_ship,
    stock_ship_reserved,
)
from inventory.services.transfers import (
    transfer_cancel,
    transfer_create,
    transfer_dispatch,
    transfer_receive,
    transfer_reserve,
)

__all__ = [
    "SYSTEM",
    "Actor",
    "CountResult",
    "FboStockRow",
    "_lock_levels",
    "document_number",
    "expected_arrival",
    "fbo_stock_report_replace",
    "purchase_order_cancel",
    "purchase_order_create",
    "purchase_order_receive",
    "purchase_order_receive_lines",
    "purchase_order_send",
    "sku_by_barcode",
    "stock_count",
    "stock_opening_balances",
    "stock_receive",
    "stock_release",
    "stock_reserve",
    "stock_ship",
    "stock_ship_reserved",
    "transfer_cancel",
    "transfer_create",
    "transfer_dispatch",
    "transfer_receive",
    "transfer_reserve",
    "warehouse_calendar_seed",
]
