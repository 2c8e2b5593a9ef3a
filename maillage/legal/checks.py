"""`check --deploy` warns when the publisher's identity is missing: the legal notice of a public
site must name its publisher, director of publication and host (loi n° 2004-575, art. 6-III)."""

from django.conf import settings
from django.core.checks import Warning, register

REQUIRED = {
    "name": "PUBLISHER_NAME",
    "address": "PUBLISHER_ADDRESS",
    "email": "PUBLISHER_EMAIL",
    "director": "PUBLISHER_DIRECTOR",
    "host": "HOST_NAME",
    "host_address": "HOST_ADDRESS",
}


@register("maillage", deploy=True)
def publisher_identity(app_configs, **kwargs) -> list[Warning]:
    missing = [variable for key, variable in REQUIRED.items() if not settings.PUBLISHER.get(key)]
    if not missing:
        return []
    return [
        Warning(
            f"The legal notice names no publisher: set {', '.join(missing)}.",
            hint="See the README, section Configuration (publisher of the instance).",
            id="maillage.legal.W001",
        )
    ]
