"""Governance in the admin: read-only. Every change goes through `governance.services` (checked
and audited) and the staff pages; the admin is for looking.

Ballots are never editable (an edit would break the vote's hash chain, which `verify_vote`
would report; it is not offered at all). Nothing here links a secret ballot to its voter: a
ballot's page has no voter column, and a participation shows its ballot only when the vote is
public (for a secret vote there is no link to show: `Participation.ballot` stays empty).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Ballot,
    BodyMember,
    College,
    Comment,
    DecisionBody,
    Elector,
    FollowUp,
    Participation,
    Proposal,
    ProposalRevision,
    Vote,
    VoteOption,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CollegeInline(ReadOnlyInline):
    model = College
    fields = ("name", "weight_percent")


class BodyMemberInline(ReadOnlyInline):
    model = BodyMember
    fields = ("user", "place", "college")


@admin.register(DecisionBody)
class DecisionBodyAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "place", "network", "secret_ballot")
    list_filter = ("kind", "secret_ballot")
    list_select_related = ("place", "network")
    search_fields = ("name", "place__name", "network__name")
    inlines = (CollegeInline, BodyMemberInline)


class RevisionInline(ReadOnlyInline):
    model = ProposalRevision
    fields = ("number", "title", "author", "created_at")


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "body", "status", "author", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("body", "author")
    search_fields = ("title",)
    inlines = (RevisionInline,)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "author", "parent", "created_at")
    list_select_related = ("proposal", "author")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "done_on", "author")
    list_select_related = ("proposal", "author")


class OptionInline(ReadOnlyInline):
    model = VoteOption
    fields = ("position", "label", "cost", "capacity")


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ("title", "body", "method", "status", "secret", "closes_at", "ballot_count")
    list_filter = ("method", "status", "secret")
    list_select_related = ("body",)
    search_fields = ("title",)
    inlines = (OptionInline,)


@admin.register(Elector)
class ElectorAdmin(ReadOnlyAdmin):
    list_display = ("vote", "user", "college", "place")
    list_select_related = ("vote", "user", "college", "place")
    search_fields = ("vote__title", "user__username")


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    """Who voted, and the day. The ballot is shown for a public vote only."""

    list_display = ("vote", "voter", "on_day", "public_ballot")
    list_select_related = ("vote", "elector__user")
    fields = ("vote", "voter", "on_day", "public_ballot")
    readonly_fields = fields
    search_fields = ("vote__title",)

    @admin.display(description=_("électeur·rice"))
    def voter(self, participation: Participation) -> str:
        return str(participation.elector.user or "—")

    @admin.display(description=_("bulletin (vote public)"))
    def public_ballot(self, participation: Participation) -> str:
        if participation.vote.secret or participation.ballot_id is None:
            return "—"
        return str(participation.ballot_id)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """What was voted, without who: never editable, no voter shown."""

    list_display = ("id", "vote", "position", "college", "receipt_hash")
    list_filter = ("vote__method",)
    list_select_related = ("vote", "college")
    fields = (
        "id",
        "vote",
        "content",
        "college",
        "receipt_hash",
        "position",
        "previous_hash",
        "hash",
    )
    readonly_fields = fields
    search_fields = ("receipt_hash",)
    # No date hierarchy, no ordering by insertion: a ballot carries no time.
    ordering = ("vote", "position", "receipt_hash")
