"""Mailroom's domain: pure Python, no UI, no storage imports, and no front end (terminal or HTTP server: see cli/)."""
