from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from maillage.common.mail import queue_mail

from .models import User


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Pour vous rappeler son usage, ex. « script d'import du réseau »."),
    )


class SignUpForm(forms.Form):
    """Email, a name shown to the places one joins, and a password (Django's validators)."""

    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=150,
        help_text=_("Vous vous connecterez avec elle ; un lien de confirmation y sera envoyé."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=_("Nom ou pseudonyme"),
        max_length=150,
        help_text=_("Montré aux équipes des lieux que vous rejoignez."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 8 caractères, pas seulement des chiffres ni un mot trop courant."),
    )
    password2 = forms.CharField(
        label=_("Mot de passe, à nouveau"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if email is not None:
            # An invitation names the address: the account is for that address only.
            self.fields["email"].initial = email
            self.fields["email"].disabled = True

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Les deux mots de passe diffèrent."))
        elif first:
            candidate = User(username=cleaned.get("email", ""), email=cleaned.get("email", ""))
            candidate.first_name = cleaned.get("name", "")
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset, its email rendered in the site's templates and sent by the
    background task of `common.mail` like every other message."""

    def send_mail(  # noqa: PLR0917 - Django's signature
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        queue_mail(
            to=[to_email],
            recipient=context.get("user"),
            template="accounts/mail/password_reset",
            context=context,
        )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce n'est pas votre mot de passe."))
        return password


class LanguageForm(forms.Form):
    """The language of the person's emails (`accounts.services.set_language`)."""

    language = forms.ChoiceField(label=_("Langue des e-mails"), choices=settings.LANGUAGES)
