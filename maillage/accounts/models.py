from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account. What they run is in `places.PlaceRole` and
    `places.Network.coordinators`; `is_instance_admin` holds every right on the instance.
    """

    is_instance_admin = models.BooleanField(
        _("administrateur·rice de l'instance"),
        default=False,
        help_text=_(
            "Peut créer, modifier et supprimer tous les lieux, attribuer les rôles et lancer "
            "des imports."
        ),
    )
    job_quota = models.PositiveSmallIntegerField(
        _("travaux simultanés"),
        null=True,
        blank=True,
        help_text=_(
            "Nombre de planifications, et d'imports, en attente ou en cours que cette personne "
            "peut avoir à la fois ; vide : la limite du site."
        ),
    )

    # The language of the emails sent to the person (and of their calendar feeds): set from the
    # page's language at sign-up, changed on « Mes données ». A code of settings.LANGUAGES.
    language = models.CharField(
        _("langue des messages"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="fr",
    )

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("utilisateur·rice"),
    )
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(_("préfixe"), max_length=12, db_index=True)
    digest = models.CharField(_("empreinte"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
