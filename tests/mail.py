"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1), programmable per recipient."""

from __future__ import annotations

import asyncio
import email
import socket
import struct
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """One delivered message."""

    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Handler:
    """Records deliveries; `replies[address]` answers RCPT for that address instead of 250."""

    received: list[Received] = field(default_factory=list)
    replies: dict[str, str] = field(default_factory=dict)
    stall_data: float = 0.0  # seconds to sit on DATA before answering (to interrupt a send there)
    stall_rcpt: float = 0.0
    # After the final dot the message is taken (recorded as received), and then the reply is lost:
    # "drop" closes the connection, "reset" resets it (RST), "silent" never answers.
    after_data: str = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_rcpt:
            await asyncio.sleep(self.stall_rcpt)
        if address in self.replies:
            reply = self.replies[address]
            if reply.startswith("421"):  # "service closing transmission channel": it does, as servers do
                await server.push(reply)
                server.transport.close()
                await _forever()
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall_data:
            await asyncio.sleep(self.stall_data)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.after_data == "drop":
            server.transport.close()
        elif self.after_data == "reset":
            server.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                                 struct.pack("ii", 1, 0))
            server.transport.abort()
        if self.after_data:
            await _forever()  # cancelled when the connection goes
        return "250 2.0.0 Ok: queued"


async def _forever() -> None:
    await asyncio.sleep(3600)


class MailServer:
    """aiosmtpd in a thread; plain, or STARTTLS-required with a certificate from a test CA."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None, users: dict[str, str] | None = None) -> None:
        self.handler = Handler()
        self.port = free_port()
        kwargs: dict[str, object] = {}
        if tls:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if users:
            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = users.get(auth_data.login.decode()) == auth_data.password.decode()
                return AuthResult(success=ok)

            kwargs.update(authenticator=authenticate, auth_require_tls=bool(tls))
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def url(self, user: str | None = None, password: str | None = None) -> str:
        credentials = f"{user}:{password}@" if user else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
