"""Fault 6: the SMTP connection drops, resets or goes silent after the final dot of DATA.

The server has taken the message by then (the test server records it), only its reply is lost. Whatever
the next runs do, each reader must hold exactly one copy.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import run_cli
from tests.mail import MailServer
from tests.test_digest import CORRIDORS, DAY, seed

READERS = ("first@example.org", "second@example.org")


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_SMTP_TIMEOUT": "2",
                      "CYWATCH_MAIL_FROM": "digest@example.org", "CYWATCH_SMTP_RETRY_AFTER": "0"}


@pytest.mark.parametrize("fault", ["drop", "reset", "silent"])
def test_no_reply_after_data_is_unknown_and_never_resent(db, env, fault, fault_outcome):
    seed(db, CORRIDORS)
    for reader in READERS:
        assert run_cli("subscribers", "add", reader, env=env).returncode == 0
    with MailServer() as smtp:
        smtp.handler.after_data = fault
        first = run_cli("digest", "--date", DAY, env=env | {"SMTP_URL": smtp.url()})
        smtp.handler.after_data = ""  # the server is well again: the next runs must still not resend
        later = [run_cli("digest", "--date", DAY, env=env | {"SMTP_URL": smtp.url()}) for _ in range(2)]
        copies = Counter(r for m in smtp.received for r in m.recipients)
    states = [r["state"] for r in db.execute("SELECT state FROM digests ORDER BY id")]
    outbox = run_cli("outbox", env=env).stdout
    fault_outcome(f"SMTP {fault} after the final dot", lost=sum(1 for r in READERS if not copies[r]),
                  duplicated=sum(max(copies[r] - 1, 0) for r in READERS), note=f"states {states}")
    assert {r: copies[r] for r in READERS} == {r: 1 for r in READERS}
    assert states == ["unknown", "unknown"]
    assert "2 of unknown fate" in first.stdout, first.stdout + first.stderr
    assert first.returncode == 1  # not every digest is known to be delivered: the operator must look
    assert all(r.returncode == 0 and "0 sent" in r.stdout for r in later), [r.stdout for r in later]
    assert outbox.count("unknown") == 2 and "it may have been delivered" in outbox
