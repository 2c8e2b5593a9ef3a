"""The audit log: append-only, hash-chained entries written by `audit.services.record`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.appendonly import AppendOnlyModel, AppendOnlyQuerySet


class AuditEntryQuerySet(AppendOnlyQuerySet):
    # Fields outside the hash that may be cleared to erase a person: Django clears `actor`
    # itself (on_delete=SET_NULL, through QuerySet.update) when a user is deleted.
    ERASABLE_FIELDS = frozenset({"actor", "personal_changes"})

    def allows_update(self, fields):
        erasing = all(value in (None, {}) for value in fields.values())
        return set(fields) <= self.ERASABLE_FIELDS and erasing


class AuditEntry(AppendOnlyModel):
    """Who did what to which object, with the changed fields.

    `content_hash` is the SHA-256 of the canonical JSON of the content (`at`, `actor_ref`,
    `action`, `object_type`, `object_id`, `changes`), computed when the entry is recorded;
    `hash` is the SHA-256 of `content_hash`, `previous_hash` and `position` (the link), given
    when the entry joins the chain: at once on SQLite, at the commit of its transaction on
    PostgreSQL (the deferred trigger `audit_chain`; NULL until then). Altering or removing an
    entry breaks the chain from there on (`maillage verify_audit`).
    Personal data stays outside the hash: the actor is hashed as a pseudonymous reference (the
    user's id), and the values of personal fields (`personal_changes`) are not hashed at all,
    so erasing a person clears them without breaking the chain.
    """

    # NULL only while the entry's transaction has not committed (PostgreSQL links at commit).
    position = models.PositiveBigIntegerField(_("rang"), unique=True, null=True, editable=False)
    at = models.DateTimeField(_("date"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur·rice"),
    )
    # The user's id at the time ("" for the system): stays when the user is erased.
    actor_ref = models.CharField(_("référence de l'auteur·rice"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("type d'objet"), max_length=60)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64)
    changes = models.JSONField(_("changements"), default=dict)
    personal_changes = models.JSONField(_("changements de données personnelles"), default=dict)
    content_hash = models.CharField(_("empreinte du contenu"), max_length=64, editable=False)
    # Unique `position` and `previous_hash` make a fork impossible (two entries at one rank or
    # after one predecessor). `hash` needs no index of its own: it is unique whenever they are
    # (it covers the position), and nothing looks an entry up by it. NULL, not "", until the
    # entry is linked: several entries may wait at once, and NULLs do not clash in a unique index.
    previous_hash = models.CharField(  # noqa: DJ001
        _("empreinte précédente"), max_length=64, unique=True, null=True, editable=False
    )
    hash = models.CharField(_("empreinte"), max_length=64, null=True, editable=False)  # noqa: DJ001

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("entrées du journal d'audit")
        # Entries not linked yet (position NULL, own transaction only) last, in recorded order.
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.position} {self.action} {self.object_type}:{self.object_id}"
