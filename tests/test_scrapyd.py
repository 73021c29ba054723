"""scrapyd, as the "scrapyd" section of the docs (README.md or docs/*.md) documents it: its
command lines are read from there and run with bash against a real scrapyd started here on a
free port (the documented port 6800 replaced by it). The deploy runs from a copy of the
checkout's tracked files, a git repository of its own, so the check that it leaves the
checkout clean does not touch this one.

The schedule line names the real site and a /srv archive: it runs as written with the archive
swapped for a temporary one, and the local replica's English listings of urm given as
``start_urls`` (with politeness off for it), so the job crawls the replica, not the site."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from mfa_scraper import __version__
from mfa_scraper.archive import Archive
from mfa_scraper.replica.faults import control
from mfa_scraper.replica.fixture import running_replica
from tests.crawling import FAST, PROJECT, expected_archive

pytestmark = pytest.mark.e2e  # scrapyd deploys and schedules a real crawl

VENV = Path(sys.prefix)  # the docs' .venv: the virtualenv running the tests
CONTACT = "tests@example.org"
DOC_URL = "http://127.0.0.1:6800/"
DOC_ARCHIVE = "/srv/mfa-archive"
DOCS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
HEADING = re.compile(r"^(#+) scrapyd\n", re.M)


def documented_commands() -> dict[str, str]:
    """The command lines of the docs' scrapyd section (continuation lines kept), by use."""
    sections = [text[found.end():] for text in (doc.read_text() for doc in DOCS)
                for found in HEADING.finditer(text)]
    assert len(sections) == 1, "one scrapyd section in README.md and docs/*.md"
    section = sections[0].split("\n#", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", section, re.M | re.S)
    assert len(blocks) == 1, "the scrapyd section has one bash block"
    commands = re.split(r"(?<!\\)\n", blocks[0].strip())
    by_use = {"deploy": [c for c in commands if "scrapyd-deploy" in c],
              "schedule": [c for c in commands if "/schedule.json" in c],
              "listjobs": [c for c in commands if "/listjobs.json" in c]}
    assert all(len(found) == 1 for found in by_use.values()), commands
    assert len(commands) == 3, commands
    for command in commands:
        assert DOC_URL in command, command
    return {use: found[0] for use, found in by_use.items()}


def bash(command: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=tests", "-c", "user.email=tests@localhost",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A scrapyd on 127.0.0.1 and a free port, in its own directory, with MFA_CONTACT in its
    environment (the docs' instruction); its URL and directory."""
    for tool in ("scrapyd", "scrapyd-deploy"):
        if not (VENV / "bin" / tool).exists():
            pytest.skip(f"{tool} not installed (pip install -e '.[test]')")
    home, port = tmp_path_factory.mktemp("scrapyd"), free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n")
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "MFA_CONTACT": CONTACT}
    with open(home / "scrapyd.log", "w") as output:
        server = subprocess.Popen([str(VENV / "bin" / "scrapyd")], cwd=home, env=env,
                                  stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if call(url + "daemonstatus.json").get("status") == "ok":
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, \
                f"scrapyd did not start: {(home / 'scrapyd.log').read_text()[-1500:]}"
            time.sleep(0.2)
        yield url, home
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the checkout's tracked files as a git repository with one commit, and the
    virtualenv as its .venv (kept out of git status like the real one's)."""
    try:
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, check=True,
                                 capture_output=True, text=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout: {error}")
    copy = tmp_path_factory.mktemp("checkout")
    for name in filter(None, tracked):
        source = PROJECT / name
        if source.is_file():  # not deleted in the work tree
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(source.read_bytes())
    git("init", "-q", cwd=copy)
    git("add", "-A", cwd=copy)
    git("commit", "-q", "-m", "checkout", cwd=copy)
    (copy / ".venv").symlink_to(VENV)
    (copy / ".git" / "info" / "exclude").write_text(".venv\n")
    return copy


@pytest.fixture(scope="module")
def deployed(scrapyd, checkout):
    """The documented deploy line, run from the project root; what it printed."""
    url, _ = scrapyd
    result = bash(documented_commands()["deploy"].replace(DOC_URL, url), cwd=checkout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_documented_deploy_builds_the_project_egg_and_scrapyd_takes_it(scrapyd, checkout, deployed):
    url, home = scrapyd
    # scrapyd-deploy exits 0 on a scrapyd error: its answer tells.
    answer = json.loads(next(line for line in deployed.splitlines() if line.startswith("{")))
    assert answer["status"] == "ok" and answer["spiders"] == 1, deployed
    assert call(url + "listspiders.json?project=mfa_scraper")["spiders"] == ["mfa_news"]
    (version,) = call(url + "listversions.json?project=mfa_scraper")["versions"]
    assert re.fullmatch(r"\d{12}", version)  # the docs' $(date +%Y%m%d%H%M)
    with zipfile.ZipFile(home / "eggs" / "mfa_scraper" / f"{version}.egg") as egg:
        names = set(egg.namelist())
        entry_points = egg.read("EGG-INFO/entry_points.txt").decode()
    # The whole package, and the entry point through which scrapyd's runner finds the settings.
    modules = set(git("ls-files", "mfa_scraper", cwd=checkout).split())
    assert modules and modules <= names
    assert "[scrapy]\nsettings = mfa_scraper.crawler.settings" in entry_points


def test_documented_deploy_leaves_the_checkout_clean(checkout, deployed):
    """No setup.py written by scrapyd-deploy, no build output that git would show."""
    assert git("status", "--porcelain", "--untracked-files=all", cwd=checkout) == ""
    # What it does leave is what the docs say, and git ignores it.
    ignored = git("status", "--porcelain", "--ignored", cwd=checkout).splitlines()
    assert sorted(set(ignored) - {"!! .venv"}) == ["!! build/", "!! mfa_scraper.egg-info/"]


def test_documented_schedule_crawls_into_the_archive(scrapyd, checkout, deployed, tmp_path):
    url, home = scrapyd
    commands = {use: line.replace(DOC_URL, url) for use, line in documented_commands().items()}
    archive = tmp_path / "archive"
    with running_replica(articles=4) as replica:
        base = replica.urls["urm"]
        starts = [base + view.path for view in replica.dataset.views("urm")
                  if view.theme is None and view.listing.language == "en"]
        assert starts
        schedule = commands["schedule"]
        assert DOC_ARCHIVE in schedule, schedule
        schedule = schedule.replace(DOC_ARCHIVE, shlex.quote(str(archive)))
        schedule += " -d " + shlex.quote("start_urls=" + ",".join(starts))
        schedule += "".join(f" -d setting={name}={value}" for name, value in FAST.items())
        scheduled = bash(schedule, cwd=checkout)
        assert scheduled.returncode == 0, scheduled.stderr
        job = json.loads(scheduled.stdout)
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 180
        while True:
            listed = bash(commands["listjobs"], cwd=checkout)
            assert listed.returncode == 0, listed.stderr
            jobs = json.loads(listed.stdout)
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            assert time.monotonic() < deadline, f"scrapyd job not finished: {jobs}"
            time.sleep(0.5)
        agents = {entry["user_agent"] for entry in control(base, "requests", detail=1)}
    log = (home / "logs" / "mfa_scraper" / "mfa_news" / f"{job['jobid']}.log").read_text()
    runs = Archive(archive).runs()
    assert len(runs) == 1, log[-3000:]
    run = runs[0]
    assert (archive / "runs" / f"{run['run_id']}.json").is_file()
    assert run["status"] == "finished", log[-3000:]
    assert run["health"]["verdict"] == "healthy", run["health"]
    # MFA_CONTACT from scrapyd's environment reaches the job's User-Agent.
    assert agents == {f"mfa-scraper/{__version__} (contact: {CONTACT})"}
    expected = {key for key, row in expected_archive(replica.dataset, {"urm": base}).items()
                if row["language"] == "en"}
    versions = Archive(archive).versions().to_pylist()
    assert expected and sorted(row["article_id"] for row in versions) == sorted(expected)
