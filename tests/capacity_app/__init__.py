"""A test-only app that exercises `maillage.common.capacity` on real tables and a live server.

Bookings, event seats and loans come in later issues; until then these minimal models stand in
for them (installed by tests/settings.py only, never in the product).
"""
