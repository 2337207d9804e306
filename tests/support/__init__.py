"""Real servers and certificates for tests: everything listens on 127.0.0.1 only."""
