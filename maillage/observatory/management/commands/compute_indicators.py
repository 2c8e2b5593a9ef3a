from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.observatory import services
from maillage.observatory.periods import BadPeriod, parse_period
from maillage.places.models import Place


class Command(BaseCommand):
    help = _(
        "Calcule les indicateurs de l'observatoire. Sans option : les mois changés depuis le "
        "dernier calcul (d'après le journal d'audit). --all : tout recalculer (36 derniers "
        "mois, ou depuis --since) ; --place : un seul lieu."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help=_("tout recalculer"))
        parser.add_argument("--place", metavar="SLUG", help=_("un seul lieu (identifiant d'URL)"))
        parser.add_argument("--since", metavar="YYYY-MM", help=_("depuis ce mois"))
        parser.add_argument(
            "--queue", action="store_true", help=_("confier le calcul des mois changés au worker")
        )

    def handle(self, *args, **options):
        since = None
        if options["since"]:
            try:
                period = parse_period(options["since"])
            except BadPeriod:
                raise CommandError(_("--since attend un mois : YYYY-MM.")) from None
            since = date(period.start.year, period.start.month, 1)
        place_ids = None
        if options["place"]:
            place = Place.objects.filter(slug=options["place"]).first()
            if place is None:
                raise CommandError(_("Lieu introuvable : %s") % options["place"])
            place_ids = [place.pk]
        if options["queue"]:
            from maillage.observatory.tasks import recompute_stale_task

            recompute_stale_task.enqueue()
            self.stdout.write(_("calcul des mois changés confié au worker"))
            return
        if options["all"] or place_ids is not None or since is not None:
            report = services.compute_all(place_ids=place_ids, since=since)
        else:
            report = services.recompute_stale()
        self.stdout.write(
            _(
                "valeurs des lieux : %(created)d créées, %(updated)d modifiées, %(deleted)d "
                "retirées ; agrégats : %(a_created)d créés, %(a_updated)d modifiés, "
                "%(a_deleted)d retirés"
            )
            % {
                "created": report.places.created,
                "updated": report.places.updated,
                "deleted": report.places.deleted,
                "a_created": report.aggregates.created,
                "a_updated": report.aggregates.updated,
                "a_deleted": report.aggregates.deleted,
            }
        )
