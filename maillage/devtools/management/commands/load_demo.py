from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.devtools.demo import MissingCommunes, load_demo_places
from maillage.devtools.demo_governance import load_demo_governance


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
        governance = load_demo_governance()
        if governance is not None:
            self.stdout.write(
                _("gouvernance de démonstration : %(created)d votes créés, %(unchanged)d inchangés")
                % vars(governance)
            )
        if report.created:
            self.stdout.write(
                _(
                    "Pour modifier les lieux, créez un compte d'administration : "
                    "maillage createsuperuser"
                )
            )
