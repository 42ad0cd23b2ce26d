"""Scrapyd nodes (CYWATCH_SCRAPYD_URLS): which node crawls a source, and Scrapyd's JSON API, over `requests`.

Node N is the Nth URL of CYWATCH_SCRAPYD_URLS. A source crawls on the node CYWATCH_SCRAPYD_PINS names for
it, else on the node a stable hash of its name picks (CRC-32 of the name, modulo the number of nodes): the
same node every cycle while the list of nodes stays the same. Adding a node moves some sources to other
nodes; that is safe, since what a crawl knows (seen articles, validators, windows) is all in PostgreSQL, and
the per-source advisory lock keeps two nodes from crawling one site at once.

A job gets its spider arguments (`until`, `since`) and the cycle's mirror (`CYWATCH_MIRROR`) from the
schedule request; everything else, DATABASE_URL and PGPASSWORD above all, comes from the node's own
environment (its Scrapyd process passes it to each job). Scrapyd shows a pending job's settings to whoever
may query it and puts them on the job's command line, so no secret travels in a request.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import requests

from settings import Settings

PROJECT = "chengyu-watch"  # the Scrapyd project the egg is deployed as


class NodeError(RuntimeError):
    """A node could not be reached, or refused a request; the message names the node (without password)."""


@dataclass(frozen=True, slots=True)
class Node:
    """One Scrapyd node: its number (from 1), its URL without credentials, and its basic auth."""

    number: int
    url: str
    auth: tuple[str, str] | None = None

    @property
    def shown(self) -> str:
        """How the node is printed: `node 2 (http://host:6800)`, never with its password."""
        return f"node {self.number} ({self.url})"


@dataclass(frozen=True, slots=True)
class Job:
    """A job as a node lists it (listjobs.json)."""

    id: str
    spider: str
    state: str  # pending, running, finished
    start_time: str | None = None
    end_time: str | None = None
    log_url: str | None = None


def node(number: int, url: str) -> Node:
    """The node of a URL that may carry `user:password@`."""
    parts = urlsplit(url)
    auth = None
    if parts.username is not None:
        auth = (unquote(parts.username), unquote(parts.password or ""))
    host = parts.hostname or ""
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return Node(number, urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")), auth)


def nodes(settings: Settings) -> list[Node]:
    """The nodes of CYWATCH_SCRAPYD_URLS, in order (none: the crawl runs on this machine)."""
    return [node(i, url) for i, url in enumerate(settings.scrapyd_urls or (), start=1)]


def placement(names: Sequence[str], nodes: Sequence[Node], pins: Mapping[str, int]) -> dict[str, Node]:
    """Source name -> the node that crawls it: its pin, else the stable hash of its name over the nodes."""
    if not nodes:
        raise ValueError("no Scrapyd nodes to place sources on")
    return {name: nodes[pins[name] - 1] if name in pins else nodes[zlib.crc32(name.encode()) % len(nodes)]
            for name in names}


class Client:
    """Scrapyd's JSON API on one node."""

    def __init__(self, node: Node, timeout: float = 60.0) -> None:
        self.node = node
        self.timeout = (min(timeout, 10.0), timeout)  # connect, read: a node's first schedule.json of a
        # version runs `scrapy list` before it answers, which takes seconds on a busy node
        self.session = requests.Session()
        self.session.auth = node.auth

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, f"{self.node.url}/{endpoint}", timeout=self.timeout, **kwargs)
        except requests.RequestException as error:
            raise NodeError(f"{self.node.shown} is unreachable: {type(error).__name__}") from None
        if response.status_code == 401:
            raise NodeError(f"{self.node.shown} refused the credentials of CYWATCH_SCRAPYD_URLS (HTTP 401)")
        try:
            answer = response.json()
        except ValueError:
            raise NodeError(f"{self.node.shown} answered HTTP {response.status_code}, not Scrapyd's JSON") from None
        if response.status_code != 200 or answer.get("status") != "ok":
            message = " ".join(str(answer.get("message", "")).split())[:200]
            raise NodeError(f"{self.node.shown} refused {endpoint}: {message or response.status_code}")
        return dict(answer)

    def status(self) -> dict[str, Any]:
        """daemonstatus.json: pending, running and finished job counts."""
        return self._call("GET", "daemonstatus.json")

    def schedule(self, spider: str, args: Mapping[str, str], settings: Mapping[str, str]) -> str:
        """schedule.json: one job of `spider`; returns its job id."""
        data: list[tuple[str, str]] = [("project", PROJECT), ("spider", spider), *args.items()]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        return str(self._call("POST", "schedule.json", data=data)["jobid"])

    def jobs(self) -> list[Job]:
        """listjobs.json of the project: pending, running and (recently) finished jobs."""
        answer = self._call("GET", "listjobs.json", params={"project": PROJECT})
        return [Job(str(j["id"]), str(j["spider"]), state, j.get("start_time"), j.get("end_time"), j.get("log_url"))
                for state in ("pending", "running", "finished") for j in answer.get(state, [])]

    def cancel(self, job: str) -> None:
        """cancel.json: ask a job to stop (Scrapy closes its spider cleanly on the first signal)."""
        self._call("POST", "cancel.json", data={"project": PROJECT, "job": job})

    def add_version(self, version: str, egg: Path) -> int:
        """addversion.json: deploy an egg as `version` of the project; returns the number of spiders found."""
        with egg.open("rb") as file:
            answer = self._call("POST", "addversion.json", data={"project": PROJECT, "version": version},
                                files={"egg": (egg.name, file)})
        return int(answer.get("spiders", 0))


def deploy(settings: Settings, egg: Path, version: str) -> list[str]:
    """Deploy the egg to every node of CYWATCH_SCRAPYD_URLS (addversion.json); one line per node.

    NodeError names the first node that refused it; the nodes before it have the new version.
    """
    return [f"{n.shown}: version {version}, {Client(n).add_version(version, egg)} spiders"
            for n in nodes(settings)]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m crawler.scrapyd deploy EGG [--version V]`: the egg (`make egg`) to every node."""
    import argparse
    import sys
    import time

    from settings import ConfigError

    parser = argparse.ArgumentParser(prog="python -m crawler.scrapyd", description=main.__doc__)
    parser.add_argument("action", choices=["deploy"])
    parser.add_argument("egg", type=Path, help="the egg, as `make egg` builds it")
    parser.add_argument("--version", default=time.strftime("%Y%m%d%H%M%S"), help="default: the time, as "
                        "Scrapyd orders versions (the newest is what jobs run)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if not settings.scrapyd_urls:
            raise ConfigError("CYWATCH_SCRAPYD_URLS is not set: there is no node to deploy to")
        for line in deploy(settings, args.egg, args.version):
            print(line)
    except (ConfigError, NodeError, OSError) as error:
        print(f"crawler.scrapyd: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
