"""`maillage coverage --radius-km R [--kind K]... [--territory CODE] [--population FILE]
[--places FILE] [--format text|json|csv]`: who lives within reach of a tiers-lieu.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.common.errors import ValidationFailed
from maillage.places.kinds import PlaceKind
from maillage.planning import reports
from maillage.planning.validation import clean_coverage_parameters


class Command(BaseCommand):
    # Read-only: the system checks (URL configuration, templates…) are skipped, and numpy and
    # scipy are imported by `handle` only (`--help` starts without them).
    requires_system_checks: list[str] = []
    help = _(
        "Part de la population à moins de R km d'un tiers-lieu ouvert, distance au plus proche "
        "et zones blanches. Par défaut : les communes de la base (population légale) et ses "
        "lieux ouverts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--radius-km", required=True, help=_("rayon en kilomètres"))
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            choices=PlaceKind.values,
            help=_("type de lieu (répétable ; par défaut tous)"),
        )
        parser.add_argument(
            "--territory", help=_("territoire analysé : departement:64, region:75, 64445…")
        )
        parser.add_argument(
            "--population",
            help=_(
                "fichier de population : carroyage INSEE (idcar_200m, ind) ou CSV "
                "latitude,longitude,population[,id]"
            ),
        )
        parser.add_argument(
            "--places",
            help=_("CSV canonique des lieux (au moins source_id, latitude, longitude, kinds)"),
        )
        parser.add_argument("--format", choices=("text", "json", "csv"), default="text")

    def handle(self, *args, **options):
        from maillage.planning.computations import analyse_coverage
        from maillage.planning.inputs import (
            InputFileError,
            commune_population,
            open_sites,
            population_from_file,
            sites_from_file,
        )

        if options["territory"] and options["population"]:
            raise CommandError(
                _("--territory et --population s'excluent : le fichier définit la population.")
            )
        try:
            territory, kinds, radius_km = clean_coverage_parameters(
                territory=options["territory"] or "",
                kinds=options["kind"],
                radius_km=options["radius_km"],
            )
            if options["population"]:
                population = population_from_file(options["population"])
                about = options["population"]
            else:
                population = commune_population(territory)
                about = reports.territory_label(territory) if territory else _("France entière")
            sites = sites_from_file(options["places"]) if options["places"] else open_sites()
        except (ValidationFailed, InputFileError) as exc:
            raise CommandError(str(exc)) from None
        analysis = analyse_coverage(
            population=population, sites=sites, radius_km=radius_km, kinds=kinds
        )
        if options["format"] == "csv":
            for text in reports.white_zones_csv(analysis.iter_white_zones()):
                self.stdout.write(text, ending="")
            return
        report = analysis.as_json()
        if options["format"] == "json":
            self.stdout.write(reports.as_json(report))
            return
        places = ", ".join(reports.kind_label(kind) for kind in kinds) or _("tous types")
        self.stdout.write(
            reports.coverage_text(
                report,
                about=_("%(population)s ; lieux ouverts : %(places)s")
                % {"population": about, "places": places},
                zones_total=len(analysis.zones),
            )
        )
