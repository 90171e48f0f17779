"""Findings: what each code means, how paths are compared with the registry, which are accepted."""
