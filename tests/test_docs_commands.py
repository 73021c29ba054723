"""The documented commands cannot rot: every `mfa-archive` and `scrapy crawl mfa_news` line in
the README and docs/ is parsed by the real CLI, and the reading commands run against an
archive that holds the articles and run the examples name."""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mfa_scraper.archive import ArchiveWriter
from mfa_scraper.cli import main
from mfa_scraper.crawler import runner as crawl_module
from mfa_scraper.crawler.runner import CrawlResult
from mfa_scraper.crawler.spiders.params import CrawlArgs
from tests.test_archive_versions import Clock, make_article

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
STORY = "https://www.urm.lt/en/news/928/some-story:1234"  # the examples' article
FIRST_RUN = "20261127T204501Z-3fa2c1"  # the examples' run id
VILNIUS = ZoneInfo("Europe/Vilnius")
# Run for real; the others (crawl, demo, raw, reparse, report, ...) are parsed, and crawl's
# arguments checked as the spider checks them, with no network.
RUN = {"list", "show", "export", "stats", "history", "diff", "changes", "verify", "compact",
       "parse"}
SHELL_BREAKS = {"|", ">", ">>", "<", "&&", "||", ";", "2>", "&"}


def _commands(program: str) -> list[tuple[str, list[str]]]:
    """``(where, arguments)`` of every documented line that runs ``program``, each command
    of an ``&&`` chain apart, shell redirections and comments left out."""
    found = []
    for doc in DOCS:
        for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", doc.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                while program in words:
                    start = words.index(program) + 1
                    end = next((i for i in range(start, len(words)) if words[i] in SHELL_BREAKS),
                               len(words))
                    # Under xargs the piped-in value (an article id) comes last.
                    piped = [STORY] if "xargs" in words[:start] else []
                    found.append((f"{doc.name}: {line.strip()}", words[start:end] + piped))
                    words = words[end:]
    return found


MFA_ARCHIVE = _commands(".venv/bin/mfa-archive")
SCRAPY = _commands(".venv/bin/scrapy")


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    """A working directory whose ./output is an archive of the examples' article: three
    versions, the first by the run the examples name."""
    cwd = tmp_path_factory.mktemp("docs")
    created = datetime(2025, 3, 4, 10, 0, tzinfo=VILNIUS)
    bodies = ("The EU adopts sanctions.", "The EU adopts new sanctions.", "Adopted.")
    for number, body in enumerate(bodies):  # fetched in May, July and September 2025
        run_id = FIRST_RUN if number == 0 else None
        clock = Clock(datetime(2025, 5 + 2 * number, 1, tzinfo=UTC))
        with ArchiveWriter(cwd / "output", run_id=run_id, now=clock) as writer:
            writer.record(make_article(STORY, body=body, created=created,
                                       categories=["Ministry news"]))
    return cwd


def test_the_docs_have_commands_to_check():
    names = {arguments[0] for _, arguments in MFA_ARCHIVE if arguments}
    assert {"crawl", "demo", "list", "show", "history", "diff", "parse"} <= names
    assert SCRAPY


@pytest.mark.parametrize(("where", "arguments"), MFA_ARCHIVE, ids=[w for w, _ in MFA_ARCHIVE])
def test_each_documented_mfa_archive_command_works(where, arguments, output, monkeypatch):
    command = arguments[0]
    monkeypatch.chdir(ROOT if command == "parse" else output)
    if command in RUN:
        result = CliRunner().invoke(main, arguments, prog_name="mfa-archive")
        assert result.exit_code == 0, f"{where}\n{result.output}"
        return
    checked = []

    def crawl(archive_dir="output", *, settings=None, echo_log=False, **spider_arguments):
        checked.append(CrawlArgs.parse(**spider_arguments))  # ArgumentError: exit 2
        return CrawlResult(report={"run_id": "x", "status": "finished",
                                   "health": {"verdict": "healthy"}})

    monkeypatch.setattr(crawl_module, "crawl", crawl)
    group = main.make_context("mfa-archive", list(arguments))
    name, cmd, rest = main.resolve_command(group, list(arguments))
    context = cmd.make_context(name, rest, parent=group)  # UsageError on an unknown option
    if command == "crawl":
        with context, pytest.raises(SystemExit) as done:
            cmd.invoke(context)
        assert done.value.code == 0 and checked, where


@pytest.mark.parametrize(("where", "arguments"), SCRAPY, ids=[w for w, _ in SCRAPY])
def test_each_documented_scrapy_crawl_has_valid_spider_arguments(where, arguments):
    assert arguments[:2] == ["crawl", "mfa_news"], where
    pairs = dict(arguments[i + 1].split("=", 1) for i, word in enumerate(arguments)
                 if word == "-a")
    CrawlArgs.parse(**pairs)
