"""Ozon's FBS error index: what Ozon says (imported) and what Zapas measures and foresees.

``index`` and ``forecast`` are pure (dates, numbers and dataclasses; no Django), so the rule is
tested on hand-built histories; ``history`` builds their input from Zapas's orders.
"""
