"""An offline machine and unreachable hosts: one cause per host, the failed listings with
their reasons in the run report, a hint at the offline demo, and a quiet terminal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadFailedError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from mfa_scraper.archive import Archive
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.runhealth.network import cause_of, network_lines
from tests.crawling import PROJECT

LISTING = "/en/news/928"


def _wrapped(outer: type[BaseException], inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as error:
            raise outer(str(error)) from error
    except BaseException as wrapped:
        return wrapped


@pytest.mark.parametrize("error,cause", [
    (DNSLookupError("no results for hostname lookup: www.urm.lt"), "DNS lookup failed"),
    (_wrapped(CannotResolveHostError, DNSLookupError("www.urm.lt")), "DNS lookup failed"),
    (ConnectionRefusedError("Connection was refused by other side"), "connection refused"),
    (TCPTimedOutError(), "timeout"),
    (_wrapped(DownloadFailedError, ResponseNeverReceived(
        [Failure(Exception("[('SSL routines', '', 'wrong version number')]"))])), "TLS error"),
    (ResponseNeverReceived([Failure(Exception("connection was closed"))]), "connection lost"),
    (KeyError("x"), "KeyError"),
])
def test_each_network_failure_has_a_cause_an_operator_can_act_on(error, cause):
    assert cause_of(error) == cause


def test_one_line_per_host_with_its_causes_most_frequent_first():
    found = {"www.urm.lt": {"DNS lookup failed": 4},
             "by.mfa.lt": {"timeout": 1, "connection lost": 2}}
    assert network_lines(found) == ["www.urm.lt: DNS lookup failed (4 requests)",
                                    "by.mfa.lt: connection lost (2 requests), timeout (1 request)"]


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """One crawl of four listings that get no answer: a host name that does not resolve, a
    closed port, a TLS handshake with a plain HTTP server, a server that never answers."""
    archive = tmp_path_factory.mktemp("offline") / "archive"
    silent = socket.socket()
    silent.bind(("127.0.0.3", 0))
    silent.listen(8)  # accepts connections (the kernel does), never answers
    with running_replica(articles=2) as replica:
        replica_port = urlsplit(replica.urls["urm"]).port
        urls = {"DNS lookup failed": "https://www.urm.lt/en/news/928",
                "connection refused": f"http://127.0.0.2:{_free_port('127.0.0.2')}{LISTING}",
                "TLS error": f"https://127.0.0.1:{replica_port}{LISTING}",
                "timeout": f"http://127.0.0.3:{silent.getsockname()[1]}{LISTING}"}
        cmd = [sys.executable, "-c", "from mfa_scraper.cli import main; main()", "crawl",
               "--archive", str(archive), "--progress", "0",
               *[arg for url in urls.values() for arg in ("--start-url", url)]]
        for name, value in {"TWISTED_DNS_RESOLVER": "tests.offline_resolver.OfflineResolver",
                            "DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "1", "DOWNLOAD_DELAY": "0",
                            "AUTOTHROTTLE_ENABLED": "0", "MFA_BACKOFF_BASE": "0.05"}.items():
            cmd += ["--set", f"{name}={value}"]
        env = {**os.environ, "MFA_CONTACT": "tests@example.org", "PYTHONPATH": str(PROJECT)}
        done = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True,
                              timeout=120)
    silent.close()
    (run,) = Archive(archive).runs()
    return {"done": done, "urls": urls, "run": run, "archive": archive}


@pytest.mark.e2e
def test_each_host_is_named_once_with_its_cause(offline):
    done, urls = offline["done"], offline["urls"]
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    for cause, url in urls.items():
        host = urlsplit(url).hostname
        (line,) = [line for line in done.stdout.splitlines() if line.startswith(f"{host}: ")
                   and "request" in line and "listing pages" not in line]
        assert line.startswith(f"{host}: {cause} ("), done.stdout


@pytest.mark.e2e
def test_nothing_reachable_suggests_the_offline_demo(offline):
    assert "`mfa-archive demo`" in offline["done"].stdout


@pytest.mark.e2e
def test_the_run_report_lists_each_failed_listing_with_its_reason(offline):
    crawl = offline["run"]["crawl"]
    failures = {f["url"]: f["reason"] for f in crawl["listing_failures"]}
    assert failures == {url: cause for cause, url in offline["urls"].items()}
    assert crawl["network"]["www.urm.lt"] == {"DNS lookup failed": 1}


@pytest.mark.e2e
def test_the_terminal_is_spared_tracebacks_and_the_stats_dump(offline):
    done = offline["done"]
    assert "Traceback" not in done.stdout + done.stderr
    assert len(done.stdout.splitlines()) < 20 and done.stderr == ""
    log = Path(done.stdout.splitlines()[0].removeprefix("log: "))
    assert "DNS lookup failed" in log.read_text()  # the details are in the log file

