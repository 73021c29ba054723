"""The documented commands cannot rot: every `mfa-archive` and `scrapy crawl mfa_news` line in
the README and docs/ is parsed by the real CLI, and the reading commands run against an
archive that holds the articles and run the examples name.

Every other command of a ```bash block is run here (the replica, the golden fixtures' tool, a
quick benchmark), run by another test (scrapyd, the CLI reference), or listed in NOT_RUN with
the reason no test runs it (the network, a browser, a service, minutes of CPU). A documented
command that is none of these fails the test."""

from __future__ import annotations

import json
import re
import select
import shlex
import subprocess
import sys
import urllib.request
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
from tests.test_scrapyd import documented_commands as scrapyd_commands

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
                # A port left to the reader ("127.0.0.1:PORT") is any port to the parser.
                words = shlex.split(line.replace(":PORT/", ":8000/"), comments=True)
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

# Commands of the docs that no test runs as written, by their first words, and why.
NETWORK = "needs the package index (network)"
NOT_RUN = {
    ("python3", "-m", "venv", ".venv"): "creates the virtualenv the tests already run in",
    (".venv/bin/pip", "install"): NETWORK + "; tests/test_lock.py checks that every install "
                                            "goes through constraints.txt",
    ("bash", "scripts/test.sh"): "is the whole suite, as CI runs it",
    ("bash", "scripts/check-latest.sh"): NETWORK + ", then runs the whole suite",
    ("bash", "scripts/lock.sh"): NETWORK,
    (".venv/bin/python", "-m", "pytest"): "runs the tests themselves",
    ("sudo", "apt-get", "install", "chromium"): "needs root and Debian's mirror (network)",
    ("chromium",): "a browser, to look at a report",
    ("jq",): "a JSON filter of the output, not part of the project",
    ("python3", "-m", "venv", ".venv-pywb"): "pywb's own virtualenv: tests/test_warc_crawl.py "
                                             "makes it, as documented",
    (".venv-pywb/bin/pip", "install"): NETWORK + "; tests/test_warc_crawl.py installs the same "
                                       "pywb",
    (".venv-pywb/bin/wb-manager",): "pywb, in its own virtualenv: tests/test_warc_crawl.py "
                                    "makes a collection with it",
    (".venv-pywb/bin/wayback",): "a service (pywb's replay) that runs until stopped: "
                                 "tests/test_warc_crawl.py replays through it",
    (".venv/bin/python", "tests/benchmarks/run.py"): "the benchmark harness: 3 to 11 minutes "
                                                     "of CPU",
    (".venv/bin/python", "tests/benchmarks/browser_cost.py"): "needs a browser (Chromium)",
    (".venv/bin/python", "tests/benchmarks/warc_recrawl.py"): "a benchmark: two crawls of the "
                                                              "replica, ~15 s",
    (".venv/bin/python", "tests/benchmarks/realdata_eval.py"): "reads ../shared/realdata, which "
                                                               "is not in the repository",
}
# Commands that another test runs, by their first words, and which test.
TESTED_ELSEWHERE = {
    (".venv/bin/python", "scripts/cli-reference.py"): "tests/test_cli_reference.py",
}
# Commands run here as documented (.venv/bin/python is the interpreter running the tests).
RUN_HERE = {
    (".venv/bin/python", "-m", "mfa_scraper.replica"): "test_the_documented_replica_serves",
    (".venv/bin/python", "-m", "tests.golden"): "test_the_documented_quick_scripts_run",
    (".venv/bin/python", "tests/benchmarks/parse_speed.py"):
        "test_the_documented_quick_scripts_run",
}
CONTROL = {"|", "&&", "||", ";", "&"}
REDIRECT = re.compile(r"^\d*(?:>>?|<)&?")  # >, >>, 2>, <, 2>&1, >file
TARGET = object()  # stands for the word after a redirection operator, which is left out


def _simple_commands() -> list[tuple[str, str, list[str]]]:
    """``(where, line, words)`` of every simple command of every ```bash block line, with its
    environment assignments, redirections and comments left out."""
    found = []
    for doc in DOCS:
        for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", doc.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                command: list = []
                for word in [*shlex.split(line, comments=True), ";"]:
                    if word in CONTROL:
                        while command and re.fullmatch(r"\w+=.*", command[0]):
                            command.pop(0)
                        if command:
                            found.append((doc.name, line.strip(), command))
                        command = []
                    elif command and command[-1] is TARGET:
                        command.pop()
                    elif REDIRECT.match(word):
                        if REDIRECT.match(word)[0] == word:  # the target is the next word
                            command.append(TARGET)
                    else:
                        command.append(word)
    return found


EVERY = _simple_commands()


def _starts(words: list[str], table: dict[tuple[str, ...], str]) -> str | None:
    return next((value for key, value in table.items() if tuple(words[:len(key)]) == key), None)


def _tested_here(line: str, words: list[str]) -> str | None:
    """Which test runs or parses this documented command, if one does."""
    if words[0] == ".venv/bin/mfa-archive" or (words[0] == "xargs"
                                                and ".venv/bin/mfa-archive" in words):
        return "test_each_documented_mfa_archive_command_works"
    if words[0] == ".venv/bin/scrapy":
        return "test_each_documented_scrapy_crawl_has_valid_spider_arguments"
    scrapyd = {" ".join(command.replace("\\\n", " ").split())
               for command in scrapyd_commands().values()}
    if " ".join(line.split()) in scrapyd:
        return "tests/test_scrapyd.py"
    return _starts(words, RUN_HERE) or _starts(words, TESTED_ELSEWHERE)


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


def test_every_documented_command_is_tested_or_listed_with_its_reason():
    assert len(EVERY) > len(MFA_ARCHIVE)
    untested = [f"{where}: {' '.join(words)}" for where, line, words in EVERY
                if not _tested_here(line, words) and not _starts(words, NOT_RUN)]
    assert not untested, ("documented commands that no test runs or parses; test them, or list "
                          "them in NOT_RUN with the reason:\n" + "\n".join(untested))


def test_every_listed_command_is_still_documented():
    """No stale entry: each command listed as not run, or run elsewhere or here, is in the
    docs, and every reason is given."""
    for table in (NOT_RUN, TESTED_ELSEWHERE, RUN_HERE):
        for key, reason in table.items():
            assert reason, key
            assert any(tuple(words[:len(key)]) == key for _, _, words in EVERY), key


def _run_here(test: str) -> list[tuple[str, list[str]]]:
    return [(f"{where}: {line}", words) for where, line, words in EVERY
            if _starts(words, RUN_HERE) == test]


def test_the_documented_quick_scripts_run():
    commands = _run_here("test_the_documented_quick_scripts_run")
    assert len(commands) >= 4, commands
    for where, words in commands:
        done = subprocess.run([sys.executable, *words[1:]], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"{where}\n{done.stderr[-3000:]}"
        assert done.stdout.strip(), where


def test_the_documented_replica_serves():
    """The replica's command prints the sites' URLs as JSON, serves them, and stops on
    SIGTERM (as on Ctrl-C)."""
    (where, words), = _run_here("test_the_documented_replica_serves")
    with subprocess.Popen([sys.executable, *words[1:]], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as server:
        try:
            ready, _, _ = select.select([server.stdout], [], [], 60)
            assert ready, f"{where}: printed nothing in 60 s"
            urls = json.loads(server.stdout.readline())
            assert set(urls) == {"urm", "osce", "by", "ee"}, urls
            with urllib.request.urlopen(urls["urm"] + "/robots.txt", timeout=30) as response:
                assert response.status == 200
        finally:
            server.terminate()
            code = server.wait(30)
            errors = server.stderr.read()
    assert code == 0, errors[-3000:]


def _library_snippets() -> list[tuple[str, str]]:
    """``(where, code)`` of every ```python block that uses the project's own library."""
    found = []
    for doc in DOCS:
        for code in re.findall(r"```python\n(.*?)```", doc.read_text(), re.S):
            if "from mfa_scraper" in code:
                found.append((f"{doc.name}: {code.splitlines()[0]}", code))
    return found


LIBRARY = _library_snippets()


@pytest.mark.parametrize(("where", "code"), LIBRARY, ids=[w for w, _ in LIBRARY])
def test_each_documented_library_snippet_runs(where, code, output, monkeypatch):
    monkeypatch.chdir(output)
    exec(compile(code, where, "exec"), {})  # the documentation's own code, as a reader runs it
