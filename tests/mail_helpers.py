"""Run the mail tasks queued by `common.mail.queue_mail`, as the worker would."""

import re

from django_tasks_db.models import DBTaskResult

from maillage.common.mail import send_mail_task


def send_queued_mail() -> int:
    """Send every queued message into `mail.outbox` (then forget the tasks); how many."""
    sent = 0
    for result in DBTaskResult.objects.order_by("enqueued_at", "id"):
        if result.task_path.endswith("send_mail_task"):
            sent += send_mail_task.call(**result.args_kwargs["kwargs"])
    DBTaskResult.objects.all().delete()
    return sent


def link_in(message, prefix: str = "http") -> str:
    """The first link of a message's plain text starting with `prefix`."""
    match = re.search(rf"({re.escape(prefix)}\S+)", message.body)
    assert match, message.body
    return match.group(1)
