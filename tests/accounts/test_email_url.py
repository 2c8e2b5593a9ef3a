"""EMAIL_URL: the production SMTP server named by one setting."""

import pytest

from maillage.settings.environment import parse_email_url
from tests.common.test_settings import PRODUCTION_ENV, run_maillage


def test_an_smtp_url_with_starttls():
    settings = parse_email_url("smtp://ada%40lieu:p%40ss%3Aw@mail.example.org:587?tls=1")
    assert settings == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "ada@lieu",
        "EMAIL_HOST_PASSWORD": "p@ss:w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


@pytest.mark.parametrize(
    ("url", "port", "ssl"),
    [
        ("smtps://mail.example.org", 465, True),
        ("smtp://mail.example.org?ssl=1", 465, True),
        ("smtp://mail.example.org", 25, False),
        ("smtp://mail.example.org:2525", 2525, False),
    ],
)
def test_ports_and_implicit_tls(url, port, ssl):
    settings = parse_email_url(url)
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_SSL"]) == (port, ssl)
    assert settings["EMAIL_HOST_USER"] == ""


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtp://mail.example.org?tls=1&ssl=1"]
)
def test_an_unreadable_url_is_an_error(url):
    with pytest.raises(ValueError, match="EMAIL_URL"):
        parse_email_url(url)


def test_production_reads_email_url_and_stays_clean_for_the_deploy_check():
    env = {**PRODUCTION_ENV, "EMAIL_URL": "smtp://ada:secret@mail.example.org:587?tls=1"}
    result = run_maillage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = run_maillage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.SITE_URL)",
        env=env,
    )
    assert shown.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.org",
        "587",
        # Links in emails sent outside a request point at the site's first host name.
        "https://maillage.example.org",
    ]
