"""A realistic, reproducible demo catalogue (``manage.py seed_demo``); see ``seed.py``."""

from .demand import PROMO_PRICE_FACTOR, DemandBlock, generate_demand
from .reference import (
    CATEGORIES,
    CLASS_NAMES,
    CLASS_SHARES,
    INTERMITTENT,
    PROMO,
    SMOOTH,
    TRENDING,
    WEEKLY,
)
from .seed import (
    DEFAULT_DAYS,
    DEFAULT_SEED,
    DEFAULT_SKUS,
    DemoDataExists,
    DemoResult,
    flush_catalogue,
    gtin13,
    seed_demo,
)

__all__ = [
    "CATEGORIES",
    "CLASS_NAMES",
    "CLASS_SHARES",
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "DEFAULT_SKUS",
    "INTERMITTENT",
    "PROMO",
    "PROMO_PRICE_FACTOR",
    "SMOOTH",
    "TRENDING",
    "WEEKLY",
    "DemandBlock",
    "DemoDataExists",
    "DemoResult",
    "flush_catalogue",
    "generate_demand",
    "gtin13",
    "seed_demo",
]
