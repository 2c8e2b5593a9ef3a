"""The observatory's figures for the demo data: computed once every demo has been loaded.

The computation compares with what is stored and writes only what differs, so a second
`load_demo` over unchanged demo data writes nothing here either.
"""

from maillage.observatory import services


def load_demo_figures() -> services.ComputeReport:
    """Compute every indicator over the last 36 months, and the aggregates, for every place."""
    return services.compute_all()
