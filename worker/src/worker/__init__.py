"""The memory worker: a SQLite-backed queue of tool-use events turned into observations."""

__version__ = "0.1.0"
