"""The forms of the governance staff pages: bodies, their colleges and members, proposals,
votes with their method's settings. Each reads what a person typed into the keyword arguments
of a `governance.services` function; the service decides, and its refusals are shown next to
the field they are about (`add_service_errors`)."""

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.accounts.models import User
from maillage.common.errors import FieldError

from . import tallying
from .models import BodyKind, VoteMethod

SERVICE_FIELD_ALIASES = {"score_min": "score_max", "content": None}


class ServiceErrorsMixin:
    """Show a service's `FieldError`s next to the form's field of the same name (or above)."""

    def add_service_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            name = SERVICE_FIELD_ALIASES.get(error.field, error.field)
            field = name if name in self.fields else None  # type: ignore[attr-defined]
            self.add_error(field, str(error.message))  # type: ignore[attr-defined]


class BodyForm(ServiceErrorsMixin, forms.Form):
    """A decision body: `services.create_body` (with its kind) or `update_body` (without)."""

    name = forms.CharField(label=_("Nom"), max_length=200)
    kind = forms.ChoiceField(label=_("Qui en fait partie"))
    plans = forms.MultipleChoiceField(
        label=_("Formules"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pour les membres d'un lieu : seulement ceux de ces formules (aucune : tous)."),
    )
    secret_ballot = forms.BooleanField(
        label=_("Votes à bulletin secret par défaut"), required=False, initial=True
    )

    def __init__(self, *args, kinds=(), plans=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
        else:
            self.fields["kind"].choices = [
                (value, label) for value, label in BodyKind.choices if value in kinds
            ]
        self.plans = {str(plan.pk): plan for plan in plans}
        if self.plans:
            self.fields["plans"].choices = [(key, p.name) for key, p in self.plans.items()]
        else:
            del self.fields["plans"]

    def clean_plans(self):
        return [self.plans[key] for key in self.cleaned_data["plans"]]


class CollegesForm(ServiceErrorsMixin, forms.Form):
    """The colleges of a body, one a line: « Nom : poids »."""

    colleges = forms.CharField(
        label=_("Collèges"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Un collège par ligne, « Nom : poids en % » (entre 10 et 50, 100 en tout). "
            "Vide : pas de collèges. Les membres sont à réaffecter après un changement."
        ),
    )

    def clean_colleges(self) -> list[tuple[str, int]]:
        colleges = []
        for number, line in enumerate(self.cleaned_data["colleges"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, weight = line.rpartition(":")
            try:
                colleges.append((name.strip(), int(weight.strip())))
            except ValueError:
                raise forms.ValidationError(
                    _("Ligne %(number)s : écrivez « Nom : poids », le poids en nombre entier.")
                    % {"number": number}
                ) from None
        return colleges


class BodyMemberForm(ServiceErrorsMixin, forms.Form):
    """Put a person on a body's list (`services.add_body_member`), or in a college."""

    person = forms.CharField(label=_("Personne (identifiant ou adresse e-mail)"), max_length=254)
    place = forms.ChoiceField(label=_("Lieu représenté"), required=False)
    college = forms.ChoiceField(label=_("Collège"), required=False)

    def __init__(self, *args, places=(), colleges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {str(place.pk): place for place in places}
        self.colleges = {str(college.pk): college for college in colleges}
        if self.places:
            self.fields["place"].required = True
            self.fields["place"].choices = [("", "—")] + [
                (key, place.name) for key, place in self.places.items()
            ]
        else:
            del self.fields["place"]
        if self.colleges:
            self.fields["college"].choices = [("", _("Aucun"))] + [
                (key, str(college)) for key, college in self.colleges.items()
            ]
        else:
            del self.fields["college"]

    def clean_person(self) -> User:
        text = self.cleaned_data["person"].strip()
        user = (
            User.objects.filter(email__iexact=text).first()
            if "@" in text
            else User.objects.filter(username=text).first()
        )
        if user is None or not user.is_active:
            raise forms.ValidationError(_("Aucun compte actif ne porte cet identifiant."))
        return user

    def clean_place(self):
        return self.places.get(self.cleaned_data.get("place") or "")

    def clean_college(self):
        return self.colleges.get(self.cleaned_data.get("college") or "")


class ProposalForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    text = forms.CharField(
        label=_("Texte (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Titres avec #, listes avec -, liens [texte](adresse)."),
    )


class DecisionForm(forms.Form):
    """The outcome of a proposal at vote, with the decision's text."""

    outcome = forms.ChoiceField(
        label=_("Décision"),
        choices=[("adopted", _("Adoptée")), ("rejected", _("Rejetée"))],
        widget=forms.RadioSelect,
    )
    decision_text = forms.CharField(
        label=_("Texte de la décision (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class VoteForm(ServiceErrorsMixin, forms.Form):
    """A vote of a body and its method's settings (`services.create_vote` / `update_vote`).

    Settings a method does not use are ignored; without JavaScript every method's settings are
    shown, each in its fieldset.
    """

    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    method = forms.ChoiceField(label=_("Méthode"), choices=VoteMethod.choices)
    proposal = forms.ChoiceField(label=_("Proposition soumise au vote"), required=False)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Une option par ligne. Budget participatif : « Projet ; coût ». Répartition : "
            "« Chose ; nombre de places ». Consentement : vide, la proposition elle-même."
        ),
    )
    closes_at = forms.DateTimeField(
        label=_("Clôture"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    secret = forms.BooleanField(label=_("Bulletin secret"), required=False)
    results_hidden = forms.BooleanField(
        label=_("Résultats cachés jusqu'à la clôture"), required=False, initial=True
    )
    results_public = forms.BooleanField(
        label=_("Résultats publics (lisibles sans compte) dès la clôture"), required=False
    )
    changeable = forms.BooleanField(
        label=_("Vote modifiable jusqu'à la clôture"), required=False, initial=True
    )
    early_close = forms.BooleanField(
        label=_("Clôturer dès que tout le corps électoral a voté"), required=False
    )
    quorum_percent = forms.IntegerField(
        label=_("Quorum (pourcentage du corps électoral)"), min_value=0, max_value=100, initial=0
    )
    # majority judgement
    scale = forms.CharField(
        label=_("Mentions, de la pire à la meilleure"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("Une mention par ligne, 2 à 7. Vide : À rejeter … Excellent."),
    )
    # score voting
    score_min = forms.IntegerField(label=_("Note minimale"), min_value=0, initial=0)
    score_max = forms.IntegerField(label=_("Note maximale"), min_value=1, initial=5)
    # consent
    max_objections = forms.IntegerField(
        label=_("Objections admises (pourcentage des positions exprimées)"),
        min_value=0,
        max_value=100,
        initial=tallying.DEFAULT_MAX_OBJECTIONS,
    )
    # participatory budget
    budget = forms.IntegerField(label=_("Budget"), required=False, min_value=1)
    # allocation
    objective = forms.ChoiceField(
        label=_("Répartir pour"),
        choices=[
            ("total", _("la plus grande satisfaction totale")),
            ("worst_off", _("le meilleur rang possible pour la personne la moins servie")),
        ],
        initial="total",
    )

    METHOD_FIELDS = {
        VoteMethod.MAJORITY_JUDGEMENT: ("scale",),
        VoteMethod.SCORE: ("score_min", "score_max"),
        VoteMethod.CONSENT: ("max_objections",),
        VoteMethod.BUDGET: ("budget",),
        VoteMethod.ALLOCATION: ("objective",),
    }

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = {str(proposal.pk): proposal for proposal in proposals}
        self.fields["proposal"].choices = [("", _("Aucune"))] + [
            (key, proposal.title) for key, proposal in self.proposals.items()
        ]

    def clean_proposal(self):
        return self.proposals.get(self.cleaned_data.get("proposal") or "")

    def clean_closes_at(self) -> datetime:
        closes_at = self.cleaned_data["closes_at"]
        if closes_at <= timezone.now():
            raise forms.ValidationError(_("La clôture doit être à venir."))
        return closes_at

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("method")
        rows = []
        for number, line in enumerate((cleaned.get("options") or "").splitlines(), start=1):
            if not line.strip():
                continue
            label, _sep, amount = line.partition(";")
            row: dict[str, Any] = {"label": label.strip()}
            if method in (VoteMethod.BUDGET, VoteMethod.ALLOCATION):
                try:
                    value = int(amount.strip())
                except ValueError:
                    self.add_error(
                        "options",
                        _("Ligne %(number)s : « intitulé ; nombre » attendu.") % {"number": number},
                    )
                    continue
                row["cost" if method == VoteMethod.BUDGET else "capacity"] = value
            rows.append(row)
        cleaned["option_rows"] = rows
        if method == VoteMethod.BUDGET and not cleaned.get("budget"):
            self.add_error("budget", _("Donnez le budget à répartir."))
        return cleaned

    def method_settings(self) -> dict[str, Any]:
        data, method = self.cleaned_data, self.cleaned_data["method"]
        if method == VoteMethod.MAJORITY_JUDGEMENT:
            scale = [line.strip() for line in data["scale"].splitlines() if line.strip()]
            return {"scale": scale} if scale else {}
        if method == VoteMethod.SCORE:
            return {"min": data["score_min"], "max": data["score_max"]}
        if method == VoteMethod.CONSENT:
            return {"max_objections": data["max_objections"]}
        if method == VoteMethod.BUDGET:
            return {"budget": data["budget"]}
        if method == VoteMethod.ALLOCATION:
            return {"objective": data["objective"]}
        return {}

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values, as `create_vote`'s and `update_vote`'s keyword arguments."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "method": data["method"],
            "options": data["option_rows"],
            "closes_at": data["closes_at"],
            "proposal": data.get("proposal"),
            "secret": data["secret"],
            "results_public": data["results_public"],
            "results_hidden": data["results_hidden"],
            "changeable": data["changeable"],
            "early_close": data["early_close"],
            "quorum_percent": data["quorum_percent"],
            "settings": self.method_settings(),
        }

    @staticmethod
    def initial_of(vote) -> dict[str, Any]:
        """The form's initial values for an existing vote."""
        settings = vote.settings or {}
        lines = []
        for option in vote.options.all():
            amount = option.cost if vote.method == VoteMethod.BUDGET else option.capacity
            lines.append(option.label if amount is None else f"{option.label} ; {amount}")
        return {
            "title": vote.title,
            "description": vote.description,
            "method": vote.method,
            "proposal": vote.proposal_id or "",
            "options": "\n".join(lines),
            "closes_at": timezone.localtime(vote.closes_at),
            "secret": vote.secret,
            "results_hidden": vote.results_hidden,
            "results_public": vote.results_public,
            "changeable": vote.changeable,
            "early_close": vote.early_close,
            "quorum_percent": vote.quorum_percent,
            "scale": "\n".join(settings.get("scale") or []),
            "score_min": settings.get("min", 0),
            "score_max": settings.get("max", 5),
            "max_objections": settings.get("max_objections", tallying.DEFAULT_MAX_OBJECTIONS),
            "budget": settings.get("budget"),
            "objective": settings.get("objective", "total"),
        }
