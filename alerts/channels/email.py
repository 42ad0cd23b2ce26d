"""Email, the first channel: an RFC 5322 message per target, sent over SMTP (SMTP_URL), or written as .eml
files under the data dir when there is no SMTP server (the no-SMTP fallback of the same channel)."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parseaddr
from typing import TYPE_CHECKING, ClassVar

from alerts.channels.base import DigestInput, Outgoing, Payload, TargetError, register
from alerts.subscribers import SubscriberError, envelope_address, normalise_email
from alerts.transport import FileSender, Outcome, SmtpSender

if TYPE_CHECKING:
    from settings import Settings


@register
class Email:
    """Digests by email: the payload is the whole message, the idempotency key its Message-ID."""

    name: ClassVar[str] = "email"
    schemes: ClassVar[tuple[str, ...]] = ("", "mailto")

    def parse(self, url: str) -> str:
        """A normalised email address (`mailto:` accepted)."""
        address = url.removeprefix("mailto://").removeprefix("mailto:")
        try:
            return normalise_email(address)
        except SubscriberError as error:
            raise TargetError(str(error)) from None

    def redact(self, address: str) -> str:
        """An email address is printed as it is (it is the subscriber's name in every listing)."""
        return address

    def payload(self, digest: DigestInput) -> Payload:
        """The subscriber's email of the group's rendering (their links, their Message-ID)."""
        from alerts.digest import personalise

        subscriber = dict(digest.subscriber)
        primary = digest.address == subscriber["email"]
        subscriber["email"] = digest.address
        rendered = personalise(digest.template, subscriber, digest.settings)
        message = rendered.message
        if not primary:  # a second address of one subscriber: its own Message-ID
            message_id = message["Message-ID"].replace(f".{subscriber['id']}@", f".{subscriber['id']}.{digest.target_id}@")
            del message["Message-ID"]
            message["Message-ID"] = message_id
        return Payload(recipient=envelope_address(digest.address), subject=rendered.subject,
                       body=message.as_bytes(), idempotency_key=message["Message-ID"])

    def sender(self, settings: Settings, endpoint: str | None = None) -> EmailSender:
        """SMTP when SMTP_URL is set; otherwise .eml files under DATA_DIR/outbox."""
        return EmailSender(settings)


class EmailSender:
    """One SMTP connection for a run's messages (or the .eml folder)."""

    def __init__(self, settings: Settings) -> None:
        self.envelope_from = parseaddr(settings.mail_from)[1]
        smtp = settings.smtp
        self.folder = None if smtp is not None else settings.data_dir / "outbox"
        self.transport: SmtpSender | FileSender = SmtpSender(smtp) if smtp is not None else FileSender(
            settings.data_dir / "outbox")

    def send(self, item: Outgoing, before_send: Callable[[], None]) -> Outcome:
        """Send one message; `before_send` runs right before DATA."""
        return self.transport.send(self.envelope_from, item.recipient, item.body, period=item.period,
                                   before_data=before_send)

    def close(self) -> None:
        """QUIT."""
        self.transport.close()
