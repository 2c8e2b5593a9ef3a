"""Maillage: the web des territoires platform for French tiers-lieux."""

import os

# numpy and scipy's OpenBLAS starts a thread per core for every matrix operation. The
# operations here are small (statistical secrecy decomposes matrices of a few hundred columns,
# thousands of times per observatory update) and run beside other requests and workers: the
# threads spent their time waiting for each other. Measured on the observatory benchmark's
# incremental update, the decompositions took 5.5 s on two threads and 0.23 s on one. Set
# before numpy is imported (OpenBLAS reads it once, when it loads); an instance may set it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
