from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.devtools.demo import MissingCommunes, load_demo_places
from maillage.devtools.demo_bookings import load_demo_bookings
from maillage.devtools.demo_checkins import load_demo_checkins
from maillage.devtools.demo_events import load_demo_events
from maillage.devtools.demo_governance import load_demo_governance
from maillage.devtools.demo_members import DEMO_PASSWORD, demo_credentials, load_demo_members
from maillage.devtools.demo_observatory import load_demo_figures
from maillage.devtools.demo_sharing import load_demo_sharing


class Command(BaseCommand):
    help = _(
        "Charge les lieux de démonstration (inventés, source « demo ») et les comptes de "
        "démonstration ; une seconde exécution ne change rien. Refusé en production."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                _(
                    "Les données de démonstration (et leurs comptes au mot de passe publié) "
                    "ne se chargent jamais en production."
                )
            )
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
        members = load_demo_members()
        self.stdout.write(
            _(
                "membres de démonstration : %(places)d lieux, %(plans_created)d formules "
                "créées, %(memberships_created)d adhésions créées, %(charges_created)d sommes dues"
            )
            % vars(members)
        )
        bookings = load_demo_bookings()
        self.stdout.write(
            _(
                "réservations de démonstration : %(places)d lieux, %(resources_created)d "
                "ressources créées, %(qualifications_created)d habilitations, "
                "%(grants_created)d attributions, %(bookings_created)d réservations créées"
            )
            % vars(bookings)
        )
        events = load_demo_events()
        self.stdout.write(
            _(
                "événements de démonstration : %(places)d lieux, %(events_created)d événements "
                "créés, %(registrations_created)d inscriptions"
            )
            % vars(events)
        )
        self.stdout.write(_("Comptes de démonstration (mot de passe : %s) :") % DEMO_PASSWORD)
        for username, role in demo_credentials():
            self.stdout.write(f"  {username} — {role}")
        activity = load_demo_checkins()
        self.stdout.write(
            _(
                "activité de démonstration : %(people)d personnes, %(stays)d présences, "
                "%(organisations)d structures hébergées ajoutées"
            )
            % vars(activity)
        )
        governance = load_demo_governance()
        if governance is not None:
            self.stdout.write(
                _("gouvernance de démonstration : %(created)d votes créés, %(unchanged)d inchangés")
                % vars(governance)
            )
        sharing = load_demo_sharing()
        if sharing is not None:
            self.stdout.write(
                _(
                    "partage de démonstration : %(items_created)d objets, %(loans_created)d "
                    "prêts, %(posts_created)d offres et demandes créés"
                )
                % vars(sharing)
            )
        figures = load_demo_figures()
        self.stdout.write(
            _(
                "observatoire : %(created)d valeurs créées, %(updated)d modifiées, "
                "%(aggregates)d agrégats écrits"
            )
            % {
                "created": figures.places.created,
                "updated": figures.places.updated,
                "aggregates": figures.aggregates.changed,
            }
        )
