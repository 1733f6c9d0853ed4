"""Benchmark and evaluation commands that print figures (`python -m bench.<name>`)."""
