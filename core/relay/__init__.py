"""Mailroom Relay: a Manager-compatible HTTP email service that delivers through an upstream SMTP server."""
