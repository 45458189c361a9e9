"""Inbound synchronisation from Ozon, one module per step; ``runner`` runs them in order."""
