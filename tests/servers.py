"""For the tests that run the site in other processes: a free port, a database to give them."""

import socket
import sqlite3
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy an SQLite database through SQLite, so that what its write-ahead log holds comes too."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        reading.close()
        writing.close()
