"""scrapyd: deploy the project with ``scrapyd-deploy`` (the ``[deploy:env]`` target of
scrapy.cfg), schedule ``mfa_news`` through ``schedule.json`` against the replica, wait for the
job to finish and check the archive. Skipped when scrapyd cannot start here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from mfa_scraper.archive import Archive
from mfa_scraper.replica.fixture import running_replica
from tests.crawling import FAST, PROJECT, expected_archive, listing_urls

BIN = Path(sys.executable).parent
ENV = {**os.environ, "MFA_CONTACT": "tests@example.org"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def scrapyd(tmp_path):
    """A scrapyd on 127.0.0.1 and a free port, in its own directory; its URL."""
    if not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists():
        pytest.skip("scrapyd / scrapyd-client not installed (pip install -e '.[test]')")
    home, port = tmp_path / "scrapyd", free_port()
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        "logs_dir = logs\neggs_dir = eggs\ndbs_dir = dbs\nitems_dir =\n")
    url = f"http://127.0.0.1:{port}/"
    with open(home / "scrapyd.log", "w") as output:
        server = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=ENV, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if call(url + "daemonstatus.json").get("status") == "ok":
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log = (home / "scrapyd.log").read_text()[-1500:]
                pytest.skip(f"scrapyd could not start on 127.0.0.1:{port}: {log}")
            time.sleep(0.2)
        yield url, home
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_deploy_schedule_and_archive_through_scrapyd(scrapyd, tmp_path):
    url, home = scrapyd
    # scrapyd-deploy writes a setup.py next to scrapy.cfg: deploy a copy of the project.
    project = tmp_path / "project"
    shutil.copytree(PROJECT / "mfa_scraper", project / "mfa_scraper",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "scrapy.cfg", project / "scrapy.cfg")
    deployed = subprocess.run([str(BIN / "scrapyd-deploy"), "env", "-v", "r1"], cwd=project,
                              env={**ENV, "SCRAPYD_URL": url}, capture_output=True, text=True,
                              timeout=120)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout + deployed.stderr
    assert "mfa_news" in call(url + "listspiders.json?project=mfa_scraper")["spiders"]

    archive = tmp_path / "archive"
    with running_replica(articles=4) as replica:
        urls = {"urm": replica.urls["urm"]}
        starts = listing_urls(urls, replica.dataset)
        settings = {**FAST, "ARCHIVE_DIR": str(archive)}
        job = call(url + "schedule.json", [
            ("project", "mfa_scraper"), ("spider", "mfa_news"),
            ("start_urls", ",".join(starts)),
            *[("setting", f"{name}={value}") for name, value in settings.items()]])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while True:
            jobs = call(url + "listjobs.json?project=mfa_scraper")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, f"scrapyd job not finished: {jobs}"
            time.sleep(0.5)
    log = next(home.glob(f"logs/mfa_scraper/mfa_news/{job['jobid']}.log")).read_text()
    run = Archive(archive).runs()[-1]
    assert run["status"] == "finished", log[-3000:]
    assert run["health"]["verdict"] == "healthy", run["health"]
    expected = expected_archive(replica.dataset, urls)
    versions = Archive(archive).versions().to_pylist()
    assert sorted(row["article_id"] for row in versions) == sorted(expected)
