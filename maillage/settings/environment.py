"""The one place where settings read the process environment.

Every setting that a deployment may change is an environment variable; this module turns the raw
strings into typed values and fails loudly on a value it cannot read.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def read_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def read_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{name}={raw!r}: expected one of {sorted(TRUE_WORDS | FALSE_WORDS)}")


def read_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def read_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_or_create_secret(path: Path) -> str:
    """A per-installation secret for laptops, so development never runs on a published key."""
    if path.exists():
        return path.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    path.parent.mkdir(parents=True, exist_ok=True)
    secret = get_random_secret_key()
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def parse_email_url(url: str) -> dict:
    """The SMTP settings of `smtp://user:password@host:port` (`?tls=1` for STARTTLS, `?ssl=1`
    or the scheme `smtps://` for implicit TLS); user and password are percent-decoded.

    >>> parse_email_url("smtp://ada:p%40ss@mail.example.org:587?tls=1")["EMAIL_HOST_PASSWORD"]
    'p@ss'
    """
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"EMAIL_URL: expected smtp:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("EMAIL_URL: the SMTP server's host name is missing")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}

    def flag(name: str) -> bool:
        return query.get(name, "").strip().lower() in TRUE_WORDS

    use_ssl = parts.scheme == "smtps" or flag("ssl")
    use_tls = flag("tls")
    if use_ssl and use_tls:
        raise ValueError("EMAIL_URL: choose tls (STARTTLS) or ssl (implicit TLS), not both")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": int(query.get("timeout") or 10),
    }
