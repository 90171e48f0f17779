"""Outputs: findings as text, JSON, GitHub workflow commands and SARIF; how the CLI talks to a person."""
