"""Account pages: sign in and out, and API tokens ("Mes lieux" is in the places app)."""

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import ApiTokenForm
from .models import ApiToken
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


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The person's API tokens; a POST creates one and shows its value this once only."""
    form = ApiTokenForm(request.POST or None)
    created, raw_token = None, None
    if request.method == "POST" and form.is_valid():
        created, raw_token = create_api_token(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "created": created,
            "raw_token": raw_token,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
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
