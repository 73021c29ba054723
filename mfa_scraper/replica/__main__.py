"""Command line: serve every replica site on 127.0.0.1 (or one loopback address each) and
print their base URLs as JSON."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from mfa_scraper.replica.data import DEFAULT_ARTICLES, Dataset
from mfa_scraper.replica.server import Replica, start_servers, stop_servers


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options: --port, --host, --address-per-site, --articles, --seed, --revision."""
    parser = argparse.ArgumentParser(prog="python -m mfa_scraper.replica",
                                     description="Serve a local replica of the MFA news sites.")
    parser.add_argument("--port", type=int, default=0,
                        help="first port (sites use port, port+1, ...); 0 = free ports")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--address-per-site", action="store_true",
                        help="serve each site on its own loopback address after --host "
                             "(127.0.0.2, ...): one host, so one crawler slot, per site")
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES,
                        help="articles per listing")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--revision", type=int, default=1)
    return parser.parse_args(argv)


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def wait_for_stop_signal() -> None:
    """Block until SIGTERM or SIGINT; the signals must already be blocked in every thread."""
    if hasattr(signal, "sigwait"):
        signal.sigwait(STOP_SIGNALS)
        return
    stop = threading.Event()  # platforms without sigwait: handlers plus a polling wait
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.2):
        pass


def main(argv: list[str] | None = None) -> int:
    """Start the servers, print ``{"site": "http://127.0.0.1:PORT", ...}``, serve until killed."""
    args = parse_args(argv)
    dataset = Dataset.build(args.seed, args.articles, args.revision)
    if hasattr(signal, "pthread_sigmask"):
        # Blocked before the server threads start, so they inherit the mask and the
        # main thread's sigwait() receives the signal at once.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        servers = start_servers(Replica(dataset), args.host, args.port,
                                address_per_site=args.address_per_site)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({site: server.base_url for site, server in servers.items()}), flush=True)
    try:
        wait_for_stop_signal()
    finally:
        stop_servers(servers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
