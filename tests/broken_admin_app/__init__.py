"""A test-only app whose admin.py holds a ModelAdmin the admin's system checks refuse.

Only `tests.broken_admin_app.settings` installs it, for tests/common/test_admin_checks.py: the
admin modules are imported on demand (maillage.common.admin_config), and `check` must still
import and check them.
"""
