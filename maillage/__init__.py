"""Maillage: the web des territoires platform for French tiers-lieux."""
