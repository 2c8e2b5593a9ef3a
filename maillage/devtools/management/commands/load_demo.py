from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.devtools.demo import MissingCommunes, load_demo_places
from maillage.devtools.demo_checkins import load_demo_checkins


class Command(BaseCommand):
    help = _(
        "Charge les lieux de démonstration (inventés, source « demo ») ; "
        "une seconde exécution ne change rien."
    )

    def handle(self, *args, **options):
        try:
            report = load_demo_places()
        except MissingCommunes as exc:
            raise CommandError(
                _(
                    "Communes introuvables : %(codes)s. "
                    "Chargez d'abord les territoires : maillage load_territories"
                )
                % {"codes": ", ".join(exc.codes[:10]) + ("…" if len(exc.codes) > 10 else "")}
            ) from exc
        self.stdout.write(
            _(
                "lieux de démonstration : %(created)d créés, %(updated)d mis à jour, "
                "%(unchanged)d inchangés, %(removed)d retirés"
            )
            % vars(report)
        )
        if report.created:
            self.stdout.write(
                _(
                    "Pour modifier les lieux, créez un compte d'administration : "
                    "maillage createsuperuser"
                )
            )
        activity = load_demo_checkins()
        self.stdout.write(
            _(
                "activité de démonstration : %(people)d personnes, %(stays)d présences, "
                "%(organisations)d structures hébergées ajoutées"
            )
            % vars(activity)
        )
