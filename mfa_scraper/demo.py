"""The whole product offline: crawl two revisions of the local replica, show one article's history.

Behind ``mfa-archive demo``. :func:`run_demo` starts the replica (revision 1) on fixed ports,
crawls it into an archive with ``scrapy crawl mfa_news`` in a subprocess (exactly as a scheduled
job would), serves revision 2 (edited, added, deleted articles) on the same URLs, crawls again
and returns what the archive then says; :func:`report` turns that into printable lines.

The replica's URLs are kept in the archive (``demo.json``): a demo run again into the same
archive serves the replica on the same ports, so its articles keep their ids (which hold the
host and port) rather than coming in a second time under new ones. An archive of real crawls
is refused: replica articles are never mixed into it.
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mfa_scraper.archive import Archive, ArchiveError
from mfa_scraper.archive.diff import paragraphs
from mfa_scraper.archive.history import version_infos
from mfa_scraper.archive.rows import content_changes
from mfa_scraper.crawler.runner import SETTINGS_MODULE
from mfa_scraper.items import plural
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.fixture import PROJECT_ROOT, free_ports, running_replica
from mfa_scraper.replica.model import SITES
from mfa_scraper.urls import article_id, site_of

SEED = 1
DEFAULT_ARTICLES = 6  # per listing: every listing has two pages, each crawl takes seconds
CRAWL_TIMEOUT = 120.0  # seconds per crawl subprocess
# Politeness off: the replica is local. Everything else as in production.
DEMO_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "LOG_LEVEL": "INFO"}
DEMO_CONTACT = "demo@localhost"  # the User-Agent contact when MFA_CONTACT is not set
DIFF_LINES = 6  # lines of the body diff shown
LINE_WIDTH = 100  # long diff lines are cut to this width
DEMO_FILE = "demo.json"  # in the archive: the replica's URLs, to serve them there again
LOOPBACK = "127.0.0.1"  # where the replica serves every site, each on its own port


class DemoError(RuntimeError):
    """The demo could not run: the replica did not start or a crawl failed."""


@dataclass
class DemoResult:
    """What the demo produced: the archive, its runs, and the history of one edited article.

    ``runs`` are the reports of the demo's two runs (``runs/<run_id>.json``); ``versions`` and
    ``fetches`` are the article's rows of ``articles`` and ``fetches`` (as dicts), in order.
    """

    archive: Path
    runs: list[dict[str, Any]] = field(default_factory=list)
    article_id: str = ""
    versions: list[dict[str, Any]] = field(default_factory=list)
    fetches: list[dict[str, Any]] = field(default_factory=list)


def start_urls(urls: dict[str, str], dataset: Dataset) -> list[str]:
    """The main (unfiltered) listing URL of every site and language the replica serves."""
    return [urls[site] + view.path for site in urls for view in dataset.views(site)
            if view.theme is None]


def crawl_command(archive: Path, urls: list[str]) -> list[str]:
    """``python -m scrapy crawl mfa_news`` revisiting every archived article, politeness off."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "mfa_news",
           "-a", f"start_urls={','.join(urls)}", "-a", "revisit=all"]
    for name, value in {**DEMO_SETTINGS, "ARCHIVE_DIR": str(archive)}.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def _crawl_env() -> dict[str, str]:
    """The environment of a crawl: project settings and importable project from any directory."""
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE, "PYTHONPATH": path,
            "MFA_CONTACT": os.environ.get("MFA_CONTACT") or DEMO_CONTACT}


def crawl_once(archive: Path, urls: list[str]) -> dict[str, Any]:
    """Crawl ``urls`` into ``archive`` in a subprocess; return the report of the run it added.

    Raises DemoError (with the end of the crawl's log) when it fails or leaves no report.
    """
    before = {run["run_id"] for run in _runs(archive)}
    try:
        done = subprocess.run(crawl_command(archive, urls), capture_output=True, text=True,
                              env=_crawl_env(), timeout=CRAWL_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise DemoError(f"the crawl took more than {CRAWL_TIMEOUT:.0f} s") from error
    added = [run for run in _runs(archive) if run["run_id"] not in before]
    if done.returncode != 0 or not added:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise DemoError(f"the crawl exited with status {done.returncode}:\n{tail}")
    return added[-1]


def _runs(archive: Path) -> list[dict[str, Any]]:
    """The run reports of ``archive``; none while it does not exist yet."""
    return Archive(archive).runs() if (archive / "runs").is_dir() else []


def edited_article(dataset: Dataset, urls: dict[str, str]) -> str:
    """The URL of an article revision 2 edited: a retitled one if any, else any edited one."""
    keys = sorted(dataset.changes.retitled) or sorted(dataset.changes.edited)
    if not keys:
        raise DemoError("the replica's revision 2 edited no article")
    site, path = keys[0]
    return urls[site] + path


def run_demo(archive: str | os.PathLike[str] | None = None, articles: int = DEFAULT_ARTICLES,
             *, progress: Callable[[str], None] | None = None) -> DemoResult:
    """Crawl replica revisions 1 and 2 into ``archive``; return its runs and one article's history.

    ``archive`` defaults to a new temporary directory, which is kept (the result names it);
    a given one must be an earlier demo's archive (its replica is served on the same ports
    again, see :func:`demo_port`), an empty directory or a path that does not exist yet.
    ``articles`` is the number of articles per replica listing. ``progress`` receives one
    line per step. Raises DemoError when the replica or a crawl fails.
    """
    say = progress or (lambda line: None)
    root = Path(archive) if archive is not None else Path(tempfile.mkdtemp(prefix="mfa-demo-"))
    port = demo_port(root)
    result = DemoResult(root.resolve())
    for revision in (1, 2):
        say(f"crawling replica revision {revision} "
            f"({LOOPBACK}:{port}-{port + len(SITES) - 1}) into {result.archive} ...")
        run, urls = _crawl_revision(root, articles, revision, port)
        result.runs.append(run)
        _remember(root, urls)
    return _with_history(result, edited_article(Dataset.build(SEED, articles, 2), urls))


def demo_port(root: Path) -> int:
    """The first port to serve the replica on for a demo into ``root``: the one its earlier
    demo used (``demo.json``, else the start URLs of its runs), or free ports for a new
    archive. DemoError when ``root`` is not an archive, is an archive of real crawls, or its
    demo's ports are taken now.
    """
    if not root.exists():
        return free_ports(len(SITES))
    try:
        runs = Archive(root).runs()
    except ArchiveError as error:
        raise DemoError(str(error)) from error
    port = _recorded_port(root) or _port_of_runs(runs)
    if port is None:
        if runs or _has_rows(root):
            raise DemoError(f"{root} is an archive of real crawls, not a demo's: the demo will "
                            "not mix replica articles into it; give a new or empty directory")
        return free_ports(len(SITES))
    taken = [p for p in range(port, port + len(SITES)) if not _free(p)]
    if taken:
        raise DemoError(f"{root} holds a demo of the replica on {LOOPBACK}:{port}-"
                        f"{port + len(SITES) - 1}, to be served there again, but port "
                        f"{taken[0]} is in use now: free it, or give a new directory")
    return port


def demo_sites(root: Path) -> dict[str, str]:
    """In a demo's archive, each registry name (``urm``) with the replica site that stands
    in for it (``127.0.0.1:8000``, as the ``site`` column has it); empty elsewhere."""
    try:
        urls = json.loads((Path(root) / DEMO_FILE).read_text("utf-8"))["urls"]
        return {name: site_of(url) for name, url in urls.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _recorded_port(root: Path) -> int | None:
    """The first replica port ``demo.json`` records; None without one."""
    path = root / DEMO_FILE
    if not path.exists():
        return None
    try:
        urls = json.loads(path.read_text("utf-8"))["urls"]
        return min(urlsplit(url).port for url in urls.values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise DemoError(f"unreadable {path}: {error}") from error


def _port_of_runs(runs: list[dict[str, Any]]) -> int | None:
    """The first replica port of the latest run when every run crawled only the replica's
    start URLs (a demo before ``demo.json`` was kept); else None."""
    ports = []
    for run in runs:
        arguments = run.get("arguments") or {}
        urls = arguments.get("start_urls") or []
        parts = [urlsplit(url) for url in (urls.split(",") if isinstance(urls, str) else urls)]
        if arguments.get("sites") or not parts or any(
                part.hostname != LOOPBACK or not part.port for part in parts):
            return None
        ports.append(min(part.port for part in parts))
    return ports[-1] if ports else None


def _has_rows(root: Path) -> bool:
    """Whether the archive at ``root`` holds any Parquet file."""
    return any(root.glob("articles/*/*.parquet")) or any(root.glob("fetches/*/*.parquet"))


def _free(port: int) -> bool:
    """Whether a server (as the replica's, reusing addresses) could listen on ``port`` of
    the loopback address right now."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _remember(root: Path, urls: dict[str, str]) -> None:
    """Record the replica's URLs in the archive (``demo.json``), for the next demo into it."""
    path = root / DEMO_FILE
    if not path.exists():
        path.write_text(json.dumps({"urls": urls}, indent=2) + "\n", "utf-8")


def _crawl_revision(root: Path, articles: int, revision: int,
                    port: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Serve ``revision`` on ``port`` and following, crawl it; the run report and site URLs."""
    try:
        with running_replica(articles, SEED, revision, port=port) as replica:
            return crawl_once(root, start_urls(replica.urls, replica.dataset)), replica.urls
    except DemoError:
        raise
    except RuntimeError as error:  # the replica did not start (port taken, ...)
        raise DemoError(str(error)) from error


def _with_history(result: DemoResult, url: str) -> DemoResult:
    """``result`` with the versions and fetches of the article at ``url``."""
    store = Archive(result.archive)
    result.article_id = article_id(url)
    result.versions = store.versions(url).to_pylist()
    result.fetches = store.fetches(url).to_pylist()
    return result


# -- report ----------------------------------------------------------------------------------


def run_line(run: dict[str, Any]) -> str:
    """One line per run: id, versions written, fetch outcomes, health verdict."""
    totals = run.get("totals") or {}
    outcomes = ", ".join(f"{k} {v}" for k, v in (totals.get("fetches") or {}).items() if v)
    health = run.get("health") or {}
    verdict = health.get("verdict", "no verdict")
    reasons = "; ".join(health.get("reasons") or [])
    written = plural(totals.get("versions_written", 0), "version")
    return (f"run {run['run_id']}: {written} written; fetches: {outcomes or 'none'}; "
            f"listing pages {totals.get('listing_pages', 0)}; "
            f"{verdict}" + (f" ({reasons})" if reasons else ""))


def changed_fields(previous: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """The content fields that differ between two versions (all of them for the first)."""
    return ["first version"] if previous is None else content_changes(previous, current)


def _when(value: Any) -> str:
    """A timestamp (or None) for display."""
    return "-" if value is None else value.isoformat(timespec="seconds")


def version_lines(versions: list[dict[str, Any]]) -> list[str]:
    """Two lines per version: number, first_seen, run, changes (with the silent-edit or
    cosmetic-bump flag of ``archive.history``); then title and dates."""
    lines = []
    for i, (row, info) in enumerate(zip(versions, version_infos(versions), strict=True)):
        changes = ", ".join(info.changed) or ("first version" if i == 0 else "nothing")
        changes += f" ({info.flag})" if info.flag else ""
        lines.append(f"  version {row['version']}  first seen {_when(row['first_seen'])}  "
                     f"run {row['run_id']}  changed: {changes}")
        lines.append(f"      title {row['title']!r}  created {_when(row['created'])}  "
                     f"updated {_when(row['updated'])}")
    return lines


def fetch_lines(fetches: list[dict[str, Any]]) -> list[str]:
    """One line per fetch of the article, oldest first: time, run, status, outcome, version."""
    return [f"  {_when(row['fetched_at'])}  run {row['run_id']}  status {row['status']}  "
            f"{row['outcome']}" + (f" -> version {row['version']}" if row["version"] else "")
            for row in fetches]


def body_diff(old: str | None, new: str | None) -> list[str]:
    """A one-line summary of how ``body_text`` changed (by paragraph), then its first diff lines."""
    diff = list(difflib.unified_diff(paragraphs(old), paragraphs(new), n=0, lineterm=""))
    changes = [line for line in diff[2:] if not line.startswith("@@")]
    if not changes:
        return ["body_text: unchanged"]
    added = sum(line.startswith("+") for line in changes)
    return ([f"body_text diff: +{added} / -{len(changes) - added} paragraphs"]
            + [f"  {line[:LINE_WIDTH]}" for line in changes[:DIFF_LINES]])


def _shown(path: Path) -> str:
    """``path`` for a command line: relative when under the working directory (as the README
    writes its commands, from the project root), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def reading_hint(archive: Path) -> list[str]:
    """Where the archive is, then two commands: install pandas, read the archive with it.

    pandas comes with the ``readers`` extra, not with the README's install; both commands use
    the interpreter running the demo (the project's venv) and work from the current directory.
    """
    python = shlex.quote(_shown(Path(sys.executable)))
    lock = shlex.quote(_shown(PROJECT_ROOT / "constraints.txt"))
    readers = shlex.quote(_shown(PROJECT_ROOT) + "[readers]")
    path = json.dumps(str(archive / "articles"), ensure_ascii=False)
    code = (f'import pandas as pd; df = pd.read_parquet({path}); '
            'print(df[["site", "version", "title"]])')
    return [f"archive: {archive}",
            "read it with pandas, from the readers extra (README, Reading it):",
            f"  {python} -m pip install -c {lock} -e {readers}",
            f"  {python} -c {shlex.quote(code)}"]


def report(result: DemoResult) -> list[str]:
    """The demo's output: run summaries, the article's versions, fetches and body diff."""
    lines = ["runs:", *(f"  {run_line(run)}" for run in result.runs),
             f"history of {result.article_id}:", *version_lines(result.versions),
             "fetches:", *fetch_lines(result.fetches)]
    if len(result.versions) > 1:
        lines += body_diff(result.versions[0]["body_text"], result.versions[-1]["body_text"])
    return [*lines, *reading_hint(result.archive)]
