"""What a place declares once a year (revenue, staff, premises…) and the indicators computed
from declarations: the commuting its members avoid (see docs/architecture.md)."""
