"""Demo data and first start: the demo catalogue, demo orders, ``seed_demo`` and ``bootstrap``.

The top layer: it may import every app, and no app imports it.
"""
