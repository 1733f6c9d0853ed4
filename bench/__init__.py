"""Benchmark and evaluation commands that print figures."""
