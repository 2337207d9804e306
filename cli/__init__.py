"""Front ends started from the terminal other than the web app: the `check` command and the HTTP relay.

Each renders or serves what core/ decides; none holds rules of its own.
"""
