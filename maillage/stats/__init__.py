"""The observatory's statistics, pure Python (numpy/scipy): secrecy, survival, aggregation,
commuting arithmetic, opening hours per week and server-rendered SVG charts.

Like `maillage.analysis` and `maillage.tally`, this package imports nothing from Django or the
project's apps (tests/stats/test_purity.py and the import contract of pyproject.toml), so that
a published figure can be recomputed without the platform.
"""
