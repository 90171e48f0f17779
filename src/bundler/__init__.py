"""bundler: prove every migration path applies every registered migration, then ship the bundle."""

__version__ = "0.1.0"

__all__ = ["__version__"]
