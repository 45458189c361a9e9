"""Ozon's push notifications: a hint to fetch one posting now; polling stays the truth."""
