"""The development mail backend: each message written to a folder, and its summary printed.

A newcomer running `make run` reads the confirmation links and calendar attachments in
`var/mail/` (one `.eml` file per message, openable by any mail client) without a mail server.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class FolderBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = folder / f"{stamp}-{sent}.eml"
            path.write_bytes(message.message().as_bytes())
            sys.stdout.write(f"[mail] {', '.join(message.to)} — {message.subject} → {path}\n")
            sent += 1
        return sent
