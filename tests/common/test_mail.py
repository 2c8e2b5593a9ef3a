"""Templated mail: rendered in the recipient's language, queued, sent with its attachments."""

import base64

import pytest
from django_tasks_db.models import DBTaskResult

from maillage.common.mail import Attachment, queue_mail, render_mail, send_mail_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates(tmp_path, settings):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "hello_subject.txt").write_text(
        "{% load i18n %}\n  {% translate 'Bienvenue' %} {{ name }}\n"
    )
    (folder / "hello.txt").write_text("{% load i18n %}{% translate 'Bienvenue' %}, {{ name }}.")
    (folder / "hello.html").write_text("<p>{{ name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    return "mail/hello"


def test_a_mail_is_rendered_in_the_asked_language(templates):
    assert render_mail(templates, {"name": "Ada"}, language="fr")[0] == "Bienvenue Ada"
    subject, _text, html = render_mail(templates, {"name": "<Ada>"}, language="en")
    assert subject == "Welcome <Ada>"
    assert html == "<p>&lt;Ada&gt;</p>"


def test_a_queued_mail_is_sent_by_its_task_with_its_attachment(templates, mailoutbox):
    queue_mail(
        to=["ada@example.org", ""],
        template=templates,
        context={"name": "Ada"},
        attachments=[Attachment("rdv.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )
    assert mailoutbox == []
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("send_mail_task")
    assert send_mail_task.call(**queued.args_kwargs["kwargs"]) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "Bienvenue Ada"
    assert message.alternatives[0].mimetype == "text/html"
    assert message.attachments[0] == ("rdv.ics", "BEGIN:VCALENDAR", "text/calendar")
    assert base64.b64decode(queued.args_kwargs["kwargs"]["attachments"][0][1]) == b"BEGIN:VCALENDAR"


def test_no_recipient_queues_nothing(templates):
    queue_mail(to=[""], template=templates, context={})
    assert not DBTaskResult.objects.exists()


def test_the_development_backend_writes_each_message_to_the_mail_folder(tmp_path, settings, capsys):
    from django.core.mail import EmailMessage, get_connection

    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    connection = get_connection("maillage.common.mail_backends.FolderBackend")
    sent = connection.send_messages([EmailMessage("Objet", "Corps", to=["ada@example.org"])])
    files = list((tmp_path / "mail").glob("*.eml"))
    assert sent == 1 and len(files) == 1
    assert b"Subject: Objet" in files[0].read_bytes()
    assert "ada@example.org" in capsys.readouterr().out
