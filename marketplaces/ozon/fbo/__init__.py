"""Ozon's FBO side: clusters and their warehouses, FBO stock per cluster, supply orders.

Ozon's data is kept in this app's link tables; what the planner needs is handed down to the
lower apps (``inventory.FboCluster``, ``Warehouse.cluster``, ``inventory.FboStockReport``,
``planning.ClusterDemand``, ``planning.CostObservation``), so planning never imports it.
"""
