"""bundler: prove every migration path applies every registered migration, then ship the worker."""

from worker import __version__

__all__ = ["__version__"]
