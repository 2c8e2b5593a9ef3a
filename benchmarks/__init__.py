"""Benchmarks, each a module runnable on its own; `python -m benchmarks` runs them all."""
