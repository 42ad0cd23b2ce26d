"""Where digests go: a registry of channels (email, chat bots, webhooks) that the outbox drives alike.

See alerts.channels.base for the protocol; a new channel is one class decorated with `register`.
"""

from alerts.channels import email, webhooks
from alerts.channels.base import (
    Channel,
    DigestInput,
    Outgoing,
    Payload,
    Sender,
    TargetError,
    channel_for,
    get,
    names,
    parse_target,
    redact,
    register,
)

__all__ = ["Channel", "DigestInput", "Outgoing", "Payload", "Sender", "TargetError", "channel_for", "email", "get",
           "names", "parse_target", "redact", "register", "webhooks"]
