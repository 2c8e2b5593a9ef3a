"""Account pages: sign up and confirm the address, sign in and out, reset a password, API
tokens, download one's data and delete one's account ("Mes lieux" is in the places app).
"""

import json

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.compression import never_compress
from maillage.common.mail import queue_mail
from maillage.common.shown_once import keep_for_next_page, take_shown_once

from . import services
from .forms import (
    ApiTokenForm,
    DeleteAccountForm,
    LanguageForm,
    QueuedPasswordResetForm,
    SignUpForm,
)
from .models import ApiToken
from .selectors import personal_export
from .services import create_api_token, revoke_api_token

LOCKOUT_STATUS = 429


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once an account is locked (AXES_LOCKOUT_CALLABLE): a French page
    saying for how long, with status 429.
    """
    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "accounts/lockout.html", {"minutes": minutes}, status=LOCKOUT_STATUS)


NEW_TOKEN_SESSION_KEY = "accounts.new_api_token"  # noqa: S105 - a session key, not a secret


@never_compress  # prints a secret: see maillage.common.compression
@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens. A POST creates one and redirects (Post/Redirect/Get: reloading
    the page creates nothing); the new value waits in the session and is shown once, by the
    first page that takes it out (maillage.common.shown_once)."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created, raw_token = create_api_token(user=request.user, name=form.cleaned_data["name"])
        keep_for_next_page(request, NEW_TOKEN_SESSION_KEY, pk=created.pk, secret=raw_token)
        return redirect("accounts:tokens")
    tokens = ApiToken.objects.filter(user=request.user)
    created, raw_token = take_shown_once(request, NEW_TOKEN_SESSION_KEY, tokens)
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "created": created,
            "raw_token": raw_token,
            "tokens": tokens,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the person's own tokens; anyone else's answers 404."""
    try:
        token = revoke_api_token(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404(_("Jeton introuvable.")) from None
    messages.success(request, _("Le jeton « %s » est révoqué.") % token.name)
    return redirect("accounts:tokens")


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """`path` as a full address for an email: the request's host, or SITE_URL outside one."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def send_confirmation(request: HttpRequest, user) -> None:
    link = absolute_url(
        request, reverse("accounts:confirm", args=[services.confirmation_token(user)])
    )
    queue_mail(
        to=[user.email],
        recipient=user,
        template="accounts/mail/confirm",
        context={"name": user.first_name, "link": link, "days": settings.ACCOUNT_LINK_DAYS},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Create an account; it signs in once its address is confirmed by the emailed link.

    An address that already has an account gets an email saying so (with the password reset
    link), one still unconfirmed its confirmation link again, and the page answers the same:
    the form does not tell who has an account.
    """
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        waiting = services.unconfirmed_account(email)
        if waiting is not None:
            # The first confirmation email was lost: send its link again (the password chosen
            # the first time stays, as a later sign-in will expect).
            send_confirmation(request, waiting)
        elif services.email_taken(email):
            queue_mail(
                to=[services.normalise_email(email)],
                recipient=services.account_of(email),
                template="accounts/mail/account_exists",
                context={"reset_link": absolute_url(request, reverse("accounts:password_reset"))},
            )
        else:
            user = services.sign_up(
                email=email,
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
                language=translation.get_language() or "",
            )
            send_confirmation(request, user)
        return redirect("accounts:sign_up_done")
    return render(request, "accounts/sign_up.html", {"form": form})


def sign_up_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/sign_up_done.html")


@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation email: the account may sign in from now on."""
    try:
        services.confirm_email(token)
    except services.AccountLinkInvalid:
        return render(request, "accounts/confirm_invalid.html", status=400)
    messages.success(request, _("Votre adresse est confirmée : vous pouvez vous connecter."))
    return redirect("accounts:login")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Choose the language of one's emails, download everything held about oneself, or delete
    one's account."""
    return render(request, "accounts/my_data.html", _my_data_context(request))


def _my_data_context(request: HttpRequest, **forms) -> dict:
    return {
        "form": forms.get("form") or DeleteAccountForm(user=request.user),
        "language_form": forms.get("language_form")
        or LanguageForm(initial={"language": request.user.language}),
    }


@never_cache
@login_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language of the person's emails, through `services.set_language`."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/my_data.html",
            _my_data_context(request, language_form=form),
            status=400,
        )
    services.set_language(
        actor=request.user, user=request.user, language=form.cleaned_data["language"]
    )
    messages.success(request, _("La langue de vos e-mails est enregistrée."))
    return redirect("accounts:my_data")


@never_compress  # prints a secret: see maillage.common.compression
@never_cache
@login_required
def my_data_export(request: HttpRequest) -> HttpResponse:
    body = json.dumps(personal_export(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="maillage-mes-donnees.json"'
    return response


@never_cache
@login_required
@require_POST
def delete_my_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request, "accounts/my_data.html", _my_data_context(request, form=form), status=400
        )
    user = request.user
    services.delete_account(actor=user, user=user)
    logout(request)
    messages.success(request, _("Votre compte est supprimé, avec vos données personnelles."))
    return redirect(settings.LOGOUT_REDIRECT_URL)
