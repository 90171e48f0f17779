"""Packaging: build the zipapp, verify and smoke-run it, install it atomically, bump the version."""
