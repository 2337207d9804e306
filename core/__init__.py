"""Mailroom's domain: pure Python, no UI and no storage imports."""
