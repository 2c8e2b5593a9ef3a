"""Templated emails, rendered in the recipient's language and sent by a background task.

`queue_mail` renders `<template>_subject.txt`, `<template>.txt` and `<template>.html` at once
(inside the request or service, in the recipient's language) and queues their sending: a slow
or unreachable mail server never delays a page, and a task queued inside a transaction that is
rolled back is rolled back with it (the task queue is a table of the same database). Sending
is retried by the task runner's usual means. In development the messages land in a folder
under `var/` (`common.mail_backends.FolderBackend`); in production `EMAIL_URL` names the SMTP
server.
"""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine, engines
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def _plain_text_engine() -> Engine:
    """The project's template engine, to render subjects and plain-text bodies without HTML
    escaping (a name "<Ada>" shows as typed there; the HTML part is escaped as usual)."""
    engine = engines["django"].engine  # type: ignore[attr-defined]
    return Engine(
        dirs=engine.dirs,
        app_dirs=engine.app_dirs,
        libraries=engine.libraries,
    )


def render_mail(
    template: str, context: Mapping, *, language: str | None = None
) -> tuple[str, str, str]:
    """(subject on one line, plain text, HTML) of `template` rendered in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        plain = _plain_text_engine()
        unescaped = Context(context, autoescape=False)
        subject = plain.get_template(f"{template}_subject.txt").render(unescaped)
        text = plain.get_template(f"{template}.txt").render(unescaped)
        html = render_to_string(f"{template}.html", context)
    return " ".join(subject.split()), text, html


def language_of(user) -> str:
    """The language a person chose for their emails (`accounts.User.language`); the site's
    when there is no person or no known choice."""
    chosen = getattr(user, "language", "") if user is not None else ""
    codes = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in codes else settings.LANGUAGE_CODE


def queue_mail(
    *,
    to: Sequence[str],
    template: str,
    context: Mapping,
    language: str | None = None,
    recipient=None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Render `template` for `to` in `language` and queue its sending. Without `language`, the
    language of `recipient` (the account the email is for: `language_of`), else the site's.
    An email to a person always names them as `recipient`, so it reads in their language."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    if language is None and recipient is not None:
        language = language_of(recipient)
    subject, text, html = render_mail(template, context, language=language)
    send_mail_task.enqueue(
        to=recipients,
        subject=subject,
        text=text,
        html=html,
        attachments=[
            [item.filename, base64.b64encode(item.content).decode("ascii"), item.mimetype]
            for item in attachments
        ],
    )


@task()
def send_mail_task(
    *, to: list[str], subject: str, text: str, html: str, attachments: list[list[str]]
) -> int:
    """Send one rendered message (queued by `queue_mail`); the number of messages sent."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message.send()


def forget_mail_to(address: str) -> int:
    """Delete the queued and sent messages addressed to `address` (their rendered text names
    the person) from the task table; how many. For account deletion: nothing personal stays.
    """
    # Asked of the app registry: INSTALLED_APPS names the app by its config class.
    if not address or not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    deleted, _kinds = DBTaskResult.objects.filter(
        task_path=send_mail_task.module_path, args_kwargs__icontains=address
    ).delete()
    return deleted
