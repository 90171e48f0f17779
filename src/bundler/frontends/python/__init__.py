"""The Python front end (libcst): sources, static values, the interpreter, records, registry styles."""
