"""Run the replica in a subprocess for tests: ``with running_replica() as r: r.urls["urm"]``."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mfa_scraper
from mfa_scraper.replica.data import Dataset

PROJECT_ROOT = Path(mfa_scraper.__file__).resolve().parent.parent
STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL


@dataclass
class RunningReplica:
    """A replica serving in a subprocess: ``urls`` maps site name to base URL."""

    urls: dict[str, str]
    dataset: Dataset
    process: subprocess.Popen


def _read_line(stream, timeout: float) -> str | None:
    """First line of ``stream`` within ``timeout`` seconds; ``None`` on timeout."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return None


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()


def free_ports(count: int, first: int = 20000, last: int = 60000) -> int:
    """The first of ``count`` consecutive ports that are free on 127.0.0.1 right now."""
    for start in range(first + os.getpid() % 1000 * 37, last, count):
        sockets = []
        try:
            for offset in range(count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", start + offset))
            return start
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports between {first} and {last}")


@contextmanager
def running_replica(articles: int = 30, seed: int = 1, revision: int = 1,
                    timeout: float = 30.0, port: int = 0, address_per_site: bool = False
                    ) -> Iterator[RunningReplica]:
    """Start ``python -m mfa_scraper.replica --port PORT`` and yield its URLs and dataset.

    ``port`` 0 picks free ports; a fixed first port (see :func:`free_ports`) lets a later
    revision be served on the same URLs, as a real site changes under the same address.
    ``address_per_site`` serves each site on its own loopback address (127.0.0.2, ...).

    Raises ``RuntimeError`` (with the process's stderr) when it exits or prints no
    URL line within ``timeout`` seconds; the process is always stopped on exit.
    """
    cmd = [sys.executable, "-m", "mfa_scraper.replica", "--port", str(port), "--articles",
           str(articles), "--seed", str(seed), "--revision", str(revision),
           *(["--address-per-site"] if address_per_site else [])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, env=env,
                                   text=True, encoding="utf-8")
        try:
            line = _read_line(process.stdout, timeout)
            if not line:
                _stop(process)
                errors.seek(0)
                detail = errors.read().decode("utf-8", "replace").strip()
                why = "printed no URLs in time" if line is None else \
                    f"exited with code {process.returncode}"
                raise RuntimeError(f"replica {why}: {' '.join(cmd)}\n{detail}")
            urls = json.loads(line)
            yield RunningReplica(urls, Dataset.build(seed, articles, revision), process)
        finally:
            _stop(process)
