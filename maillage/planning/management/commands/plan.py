"""`maillage plan --radius-km R --new N [--kind K] [--territory CODE] [--population FILE]
[--places FILE] [--candidates FILE] [--method greedy|exact] [--objective coverage|distance]
[--time-limit S] [--format text|json]`: where the next tiers-lieux should open.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.common.errors import ValidationFailed
from maillage.places.kinds import PlaceKind
from maillage.planning import reports
from maillage.planning.models import PlanMethod, PlanObjective
from maillage.planning.validation import (
    DEFAULT_TIME_LIMIT_S,
    clean_kinds,
    clean_radius_km,
    clean_territory,
)


class Command(BaseCommand):
    # Read-only: the system checks (URL configuration, templates…) are skipped, and numpy and
    # scipy are imported by `handle` only (`--help` starts without them).
    requires_system_checks: list[str] = []
    help = _(
        "Choisit N emplacements de nouveaux lieux parmi des candidats (par défaut les centres "
        "des communes du territoire) pour couvrir le plus d'habitant·es à R km, compte tenu "
        "des lieux ouverts ; donne l'écart maximal à l'optimum."
    )

    def add_arguments(self, parser):
        parser.add_argument("--radius-km", required=True, help=_("rayon en kilomètres"))
        parser.add_argument(
            "--new", required=True, type=int, help=_("nombre de nouveaux lieux à placer")
        )
        parser.add_argument(
            "--kind", choices=PlaceKind.values, help=_("type de lieu (par défaut tous)")
        )
        parser.add_argument("--territory", help=_("territoire : departement:64, region:75…"))
        parser.add_argument(
            "--population",
            help=_(
                "fichier de population : carroyage INSEE (idcar_200m, ind) ou CSV "
                "latitude,longitude,population[,id]"
            ),
        )
        parser.add_argument(
            "--places",
            help=_(
                "CSV canonique des lieux existants (au moins source_id, latitude, longitude, kinds)"
            ),
        )
        parser.add_argument(
            "--candidates",
            help=_("CSV des emplacements candidats : id,latitude,longitude[,name]"),
        )
        parser.add_argument("--method", choices=PlanMethod.values, default=PlanMethod.GREEDY)
        parser.add_argument(
            "--objective", choices=PlanObjective.values, default=PlanObjective.COVERAGE
        )
        parser.add_argument(
            "--time-limit",
            type=float,
            default=DEFAULT_TIME_LIMIT_S,
            help=_("limite de temps de la méthode exacte, en secondes"),
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, **options):
        from maillage.planning.computations import analyse_plan
        from maillage.planning.inputs import (
            InputFileError,
            candidates_from_file,
            centres_of,
            commune_centres,
            commune_population,
            open_sites,
            population_from_file,
            sites_from_file,
        )

        if options["new"] < 0:
            raise CommandError(_("--new doit être un entier positif ou nul."))
        if options["time_limit"] <= 0:
            raise CommandError(_("--time-limit doit être un nombre de secondes positif."))
        try:
            radius_km = clean_radius_km(options["radius_km"])
            kinds = clean_kinds([options["kind"]] if options["kind"] else [])
            territory = clean_territory(options["territory"]) if options["territory"] else None
            if options["population"]:
                population = population_from_file(options["population"])
            else:
                population = commune_population(territory)
            if options["candidates"]:
                candidates = candidates_from_file(options["candidates"])
            elif options["population"]:
                candidates = commune_centres(territory)
            else:
                candidates = centres_of(population)
            existing = (
                sites_from_file(options["places"], kinds)
                if options["places"]
                else open_sites(kinds)
            )
        except (ValidationFailed, InputFileError) as exc:
            raise CommandError(str(exc)) from None
        report = analyse_plan(
            population=population,
            existing=existing,
            candidates=candidates,
            radius_km=radius_km,
            n_new=options["new"],
            method=options["method"],
            objective=options["objective"],
            time_limit_s=options["time_limit"],
        )
        if options["format"] == "json":
            self.stdout.write(reports.as_json(report))
            return
        where = (
            reports.territory_label(territory)
            if territory
            else options["population"] or _("France entière")
        )
        self.stdout.write(
            reports.plan_text(
                report,
                about=reports.plan_about(
                    where=where,
                    kind=options["kind"] or "",
                    n_new=options["new"],
                    radius_km=radius_km,
                    method=options["method"],
                ),
            )
        )
