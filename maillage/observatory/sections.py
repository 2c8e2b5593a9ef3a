"""« Observatoire » on a place's staff dashboard (registry `members.dashboard`, order 60): last
month's key figures of the place and the link to its observatory page. One query."""

from django.http import HttpRequest
from django.utils import timezone

from maillage.members import dashboard
from maillage.places.models import Place

from .models import PlaceValue
from .periods import Period, add_months, month_start


def figures_context(request: HttpRequest, place: Place) -> dict:
    # The catalogue brings the indicators' computations and the statistics core: imported when
    # a dashboard is shown, not by ready(), which every command runs (issue 14).
    from . import catalogue

    last_month = Period("month", add_months(month_start(timezone.localdate()), -1))
    indicators = catalogue.key_figures()
    values = dict(
        PlaceValue.objects.filter(
            place=place, period=last_month.key, indicator__in=[i.code for i in indicators]
        ).values_list("indicator", "value")
    )
    return {
        "period": last_month,
        "rows": [(indicator, values.get(indicator.code)) for indicator in indicators],
    }


def register() -> None:
    dashboard.register_section(
        "observatoire",
        template="observatory/dashboard/_figures.html",
        context=figures_context,
        order=60,
    )
