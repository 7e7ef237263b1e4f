"""A throwaway PostgreSQL server on loopback for the gradebook tests (Debian's server binaries; see
scripts/ensure_postgres.sh). PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def server_binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        raise RuntimeError("no PostgreSQL server binaries (initdb): run `bash scripts/ensure_postgres.sh`")
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_postgres(base_dir: Path) -> Iterator[str]:
    """Start a server (log in base_dir); yield a SQLAlchemy URL of an empty `gradebook` database.

    The data and socket folder is a fresh folder under /tmp, not under base_dir: the `postgres` user cannot enter
    pytest's root-only tmp folders, and unix socket paths are limited to ~107 characters."""
    binaries = server_binaries()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base_dir.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="pg-"))
    data, sockets = home / "data", home
    if as_user:
        shutil.chown(home, "postgres", "postgres")
    initdb = subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "nbgrader", "--auth=trust",
                             "-E", "UTF8", "--no-sync"], capture_output=True, text=True)
    if initdb.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{initdb.stdout[-1500:]}{initdb.stderr[-1500:]}")
    port = free_port()
    log = base_dir / "server.log"
    server = subprocess.Popen([*as_user, str(binaries / "postgres"), "-D", str(data), "-p", str(port),
                               "-h", "127.0.0.1", "-k", str(sockets), "-c", "fsync=off"],
                              stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        import psycopg2
        deadline = time.time() + 30
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=port, user="nbgrader", dbname="postgres").close()
                break
            except psycopg2.OperationalError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.2)
        connection = psycopg2.connect(host="127.0.0.1", port=port, user="nbgrader", dbname="postgres")
        connection.autocommit = True
        connection.cursor().execute("CREATE DATABASE gradebook")
        connection.close()
        yield f"postgresql+psycopg2://nbgrader@127.0.0.1:{port}/gradebook"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)
