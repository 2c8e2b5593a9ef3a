"""The Django face of the `analysis` core: coverage and plan pages, plan jobs, their API.

Pages under `/analyse/`, the API router under `/api/v1/analysis` (tag `analysis`); the numbers
themselves come from `maillage.analysis`, which knows nothing of Django.
"""
