"""Runtime parity: run each migration path on a real database and compare what it builds."""
