"""Delivering a message: SMTP from SMTP_URL, or .eml files when there is no SMTP server.

SMTP_URL forms:
- smtp://user:pass@host:587 — STARTTLS, required because there are credentials;
- smtps://user:pass@host:465 — implicit TLS;
- smtp://host:25 — a local relay: STARTTLS when the server offers it, plain otherwise
  (`?starttls=require` insists on it, `?starttls=off` never tries).
Certificates are always verified; CYWATCH_SMTP_CA_FILE adds a private CA to trust. Every connection has a
timeout. Replies are classified the way mail servers mean them: 2xx delivered, 4xx try again later, 5xx
refused for good. Once DATA has begun, a failure without a reply (a timeout, a dropped or reset connection,
anything) leaves the outcome `unknown`: the server may have accepted the message, so it is never retried
blindly.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

from settings.smtp import SmtpConfig, parse_smtp_url

__all__ = ["FileSender", "Outcome", "SmtpConfig", "SmtpSender", "parse_smtp_url", "probe_message"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message."""

    kind: str  # sent, retry (4xx or a network error before DATA), failed (5xx), unknown (no reply after DATA),
    # deferred (not tried: the server asked to slow down)
    reply: str  # what the server said, or what went wrong
    delivered_to: str = ""
    retry_after: float = 0.0  # seconds the server asked us to wait (429, an API's rate-limit code)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if config.ca_file:
        context.load_verify_locations(cafile=config.ca_file)
    return context


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _before_data(error: Exception, config: SmtpConfig) -> Outcome:
    """A failure before DATA: nothing was handed over, so the message can be tried again (or never)."""
    if isinstance(error, UnicodeError):  # the sender address or the SMTP_URL credentials: settings
        return Outcome("retry", "the SMTP_URL user or password is not ASCII, which SMTP AUTH cannot carry "
                                "here; fix the setting (the digest waits)")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return Outcome("failed", f"the server does not support what SMTP_URL asks: {error}")
    if isinstance(error, ssl.SSLError):
        return Outcome("retry", f"TLS with {config.describe()} failed: {error}")
    if isinstance(error, smtplib.SMTPException | OSError):  # OSError covers timeouts and refused connections
        return Outcome("retry", f"could not talk to {config.describe()}: {_reason(error)}")
    raise error


class SmtpSender:
    """One SMTP connection, opened on first use and reused for a batch of messages."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self.log: list[str] = []  # every reply, for `cywatch send-test-email`

    def _open(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=_tls_context(c))
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        self.log.append(f"connected to {c.describe()}")
        code, message = smtp.ehlo()
        self.log.append(f"EHLO: {_reply(code, message.splitlines()[0] if message else b'')}")
        if c.security in ("starttls", "auto") and (c.security == "starttls" or smtp.has_extn("starttls")):
            code, message = smtp.starttls(context=_tls_context(c))
            self.log.append(f"STARTTLS: {_reply(code, message)}")
            smtp.ehlo()
        if c.username:
            code, message = smtp.login(c.username, c.password or "")
            self.log.append(f"AUTH: {_reply(code, message)}")
        return smtp

    def send(self, sender: str, recipient: str, message: bytes, *, period: str = "",
             before_data: Callable[[], None] | None = None) -> Outcome:
        """Send one message; `before_data` runs just before DATA (the point after which delivery is unknown).

        `period` (which digest this is) is for senders that file messages by it; SMTP has no use for it.
        """
        data_begun = False
        try:
            if self._smtp is None:
                self._smtp = self._open()
            smtp = self._smtp
            code, reply = smtp.mail(sender)
            self.log.append(f"MAIL FROM: {_reply(code, reply)}")
            if code >= 400:
                return self._refused(code, reply)
            try:
                code, reply = smtp.rcpt(recipient)
            except UnicodeError:  # smtplib speaks ASCII: this address would need SMTPUTF8
                self._reset()
                return Outcome("failed", f"{recipient!r} cannot be sent without SMTPUTF8 (a non-ASCII address)")
            self.log.append(f"RCPT TO: {_reply(code, reply)}")
            if code >= 400:
                return self._refused(code, reply)
            if before_data:
                before_data()
            data_begun = True
            code, reply = smtp.data(message)
            self.log.append(f"DATA: {_reply(code, reply)}")
            if code >= 400:
                return self._refused(code, reply)
            return Outcome("sent", _reply(code, reply), self.config.describe())
        except smtplib.SMTPResponseException as error:  # a reply, even during DATA: the server said what it did
            self.close()
            if isinstance(error, smtplib.SMTPAuthenticationError):
                return Outcome("failed", f"authentication refused: {_reply(error.smtp_code, error.smtp_error)}")
            kind = "retry" if error.smtp_code < 500 else "failed"
            return Outcome(kind, _reply(error.smtp_code, error.smtp_error))
        except Exception as error:
            self.close()
            if data_begun:  # whatever broke, the server may hold the message: never resend it blindly
                return Outcome("unknown", "it may have been delivered: no reply after the message was sent "
                                          f"({_reason(error)})")
            return _before_data(error, self.config)

    def _refused(self, code: int, reply: bytes) -> Outcome:
        """The server's own 4xx/5xx reply; a reset that fails afterwards must not replace it."""
        self._reset()
        return Outcome("retry" if code < 500 else "failed", _reply(code, reply))

    def _reset(self) -> None:
        """RSET for the next message; a server that closed (421) or cannot reset is reconnected next time."""
        if self._smtp is None:
            return
        try:
            code, _ = self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self.close()

    def close(self) -> None:
        """Say QUIT (politely, ignoring errors) and forget the connection."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


def _eml_filename(recipient: str) -> str:
    """A safe file name for a recipient's digest: the address, with anything but plain characters %-quoted.

    An address may legally hold '/' (or start with '.'), which must never choose where a file goes.
    """
    name = quote(recipient, safe="@+-_.")
    return f"{'%2E' + name[1:] if name.startswith('.') else name}.eml"


class FileSender:
    """No SMTP server: each digest becomes an .eml file under a folder (one per period)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, sender: str, recipient: str, message: bytes, *, period: str = "",
             before_data: Callable[[], None] | None = None) -> Outcome:
        """Write the message as FOLDER/PERIOD/RECIPIENT.eml (the name quoted by `_eml_filename`)."""
        if before_data:
            before_data()
        path = self.folder / period / _eml_filename(recipient)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message)
        return Outcome("sent", f"written to {path}", str(path))

    def close(self) -> None:
        """Nothing to close."""


def probe_message(mail_from: str, recipient: str) -> tuple[str, bytes]:
    """The envelope sender and the bytes of `cywatch send-test-email`'s message from `mail_from` (CYWATCH_MAIL_FROM)."""
    sender = parseaddr(mail_from)[1]
    message = EmailMessage(policy=SMTP)
    message["From"], message["To"] = mail_from, recipient
    message["Subject"] = "成渝观察 chengyu-watch: test message"
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content("This is a test message from chengyu-watch. If you can read it, SMTP works.\n")
    return sender, message.as_bytes()
