"""Periods of the observatory: a month « 2026-03 », a quarter « 2026-Q1 », a year « 2026 ».

Periods are calendar months, quarters and years; a period is half-open `[start, end)`.

>>> parse_period("2026-Q2")
Period(grain='quarter', start=datetime.date(2026, 4, 1))
>>> parse_period("2026-02").end
datetime.date(2026, 3, 1)
>>> [p.key for p in parse_period("2026").children()][:2]
['2026-Q1', '2026-Q2']
"""

import re
from dataclasses import dataclass
from datetime import date

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")
GRAINS = ("month", "quarter", "year")


class BadPeriod(ValueError):  # noqa: N818 - reads as a sentence
    """A period key that is not YYYY, YYYY-MM or YYYY-Qn."""


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


@dataclass(frozen=True)
class Period:
    grain: str
    start: date

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.grain]

    @property
    def end(self) -> date:
        return add_months(self.start, self.months)

    @property
    def key(self) -> str:
        if self.grain == "year":
            return f"{self.start.year}"
        if self.grain == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    def children(self) -> list["Period"]:
        """The quarters of a year, the months of a quarter; none for a month."""
        if self.grain == "year":
            return [Period("quarter", add_months(self.start, 3 * i)) for i in range(4)]
        if self.grain == "quarter":
            return [Period("month", add_months(self.start, i)) for i in range(3)]
        return []

    def parent(self) -> "Period | None":
        if self.grain == "month":
            return Period("quarter", date(self.start.year, (self.start.month - 1) // 3 * 3 + 1, 1))
        if self.grain == "quarter":
            return Period("year", date(self.start.year, 1, 1))
        return None


def parse_period(key: str) -> Period:
    """The period a key names; BadPeriod for anything but YYYY, YYYY-MM, YYYY-Qn."""
    found = PERIOD_PATTERN.match(key or "")
    if not found:
        raise BadPeriod(key)
    year, month, quarter = found.groups()
    if month:
        return Period("month", date(int(year), int(month), 1))
    if quarter:
        return Period("quarter", date(int(year), (int(quarter) - 1) * 3 + 1, 1))
    return Period("year", date(int(year), 1, 1))


def periods_between(grain: str, start: date, end: date) -> list[Period]:
    """The periods of `grain` that meet `[start, end)`, in order."""
    if grain == "month":
        current = month_start(start)
    elif grain == "quarter":
        current = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    else:
        current = date(start.year, 1, 1)
    periods = []
    while current < end:
        period = Period(grain, current)
        periods.append(period)
        current = period.end
    return periods


def last_months(today: date, count: int) -> list[Period]:
    """The `count` months up to and including the month of `today`."""
    first = add_months(month_start(today), -(count - 1))
    return [Period("month", add_months(first, i)) for i in range(count)]
