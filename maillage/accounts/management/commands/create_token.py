"""Create an API token for a user and print it alone on the last line (for administrators).

maillage create_token USERNAME [--name NAME]

People get their tokens from the tokens page (/comptes/jetons/); this command serves scripts
and administrators, through the same service.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un·e utilisateur·rice et l'affiche."

    def add_arguments(self, parser):
        parser.add_argument("username", help="nom d'utilisateur·rice")
        parser.add_argument("--name", default="", help="nom du jeton")

    def handle(self, *args, **options):
        try:
            user = User.objects.get_by_natural_key(options["username"])
        except User.DoesNotExist:
            raise CommandError(
                _("Utilisateur·rice « %(username)s » introuvable.")
                % {"username": options["username"]}
            ) from None
        token, raw = create_api_token(user=user, name=options["name"], actor=SYSTEM)
        self.stdout.write(
            _("Jeton « %(name)s » créé pour %(username)s ; il ne sera plus affiché :")
            % {"name": token.name, "username": user.get_username()}
        )
        self.stdout.write(raw)
