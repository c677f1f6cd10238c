"""Mail in development: printed in the terminal, so that whoever runs `make run` sees every
mail kolk sends (a password reset link, tickets, a newsletter).

settings.py chooses it with DEBUG on while no SMTP server is configured (KOLK_EMAIL_HOST).
Unlike Django's console backend it leaves the MIME encoding out: the addresses, the
subject and the text, and one line per attachment, where a ticket PDF would otherwise
fill the terminal with base64.
"""

from __future__ import annotations

from email.mime.base import MIMEBase
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

RULE = "-" * 72


class EmailBackend(ConsoleBackend):
    """Django's console backend, written for people to read."""

    def write_message(self, message: EmailMessage) -> None:
        lines = [
            RULE,
            f"Mail from {message.from_email}",
            f"To: {', '.join(message.recipients())}",
            f"Subject: {message.subject}",
            "",
            message.body.rstrip(),
        ]
        for _content, mimetype in getattr(message, "alternatives", []):
            lines.append(f"[also as {mimetype}]")
        lines += [f"[attachment: {_describe(attachment)}]" for attachment in message.attachments]
        lines.append(RULE)
        self.stream.write("\n".join(lines) + "\n")


def _describe(attachment: Any) -> str:
    if isinstance(attachment, MIMEBase):
        payload = attachment.get_payload(decode=True) or b""
        return f"{attachment.get_filename() or 'unnamed'}, {attachment.get_content_type()}, {len(payload)} bytes"
    filename, content, mimetype = attachment
    return f"{filename or 'unnamed'}, {mimetype or 'application/octet-stream'}, {len(content)} bytes"
