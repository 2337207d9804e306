"""Mailroom Relay's domain: its configuration, rate limits, upstream pool and the rules for one request.

Its HTTP server and its command (a front end, like the pages) are in cli/relay_app.py, cli/relay_server.py and
cli/relay.py.
"""
