"""What the commands share: the command class and its error handling, options, parameter
types, and printing rows.

Every command is made with ``command`` and so ends the same way on an error (``failures``):
a library error is one ``error:`` line on stderr and exit status 1 (3 when another writer
holds the archive's lock, or what the command gives for its own errors); a usage error is
click's, exit status 2.

Nothing here imports pyarrow, lxml or Scrapy: the commands import the libraries that need
them when they run, so that ``mfa-archive --help`` starts quickly.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mfa_scraper import sites as registry
from mfa_scraper.archive.errors import ArchiveError, ArchiveLocked, DamagedFilesWarning
from mfa_scraper.cli import output

if TYPE_CHECKING:
    from mfa_scraper.archive import Archive

EXIT_FAILED, EXIT_USAGE, EXIT_NOT_STARTED = 1, 2, 3  # exit statuses shared by the commands

ARCHIVE_OPTION = click.option(
    "--archive", "archive", envvar="MFA_ARCHIVE", default="output", show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (default: $MFA_ARCHIVE, else ./output).")

SKIP_DAMAGED_OPTION = click.option(
    "--skip-damaged", is_flag=True,
    help="Leave out Parquet files that cannot be read (one warning names them) instead of "
         "failing; `verify --quarantine` moves them aside.")


# -- errors --------------------------------------------------------------------------------


class Failure(click.ClickException):
    """A command ended by a library error: one ``error:`` line on stderr (its message with
    the whitespace collapsed), and ``exit_code``."""

    def __init__(self, error: BaseException | str, exit_code: int = EXIT_FAILED):
        super().__init__(" ".join(str(error).split()))
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        """Print the ``error:`` line (to stderr unless ``file`` is given)."""
        click.echo(f"error: {self.format_message()}", file=file, err=file is None)


@contextmanager
def failures(*errors: type[BaseException], status: int = EXIT_FAILED,
             usage: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn an error raised inside into the command's end.

    ``usage`` errors (bad arguments found by the library) become click usage errors, exit
    status 2; the command's own ``errors`` (imported with the library that raises them)
    end it with ``status``; ArchiveLocked (another writer holds the lock) with 3; any other
    ArchiveError or ValueError (an unknown article, a corrupt file, a bad value) with 1.
    Each but the usage errors is one ``error:`` line (``Failure``). Every command runs
    inside ``failures()``; a command adds its own errors around the call that raises them.
    """
    try:
        yield
    except usage as error:
        raise click.UsageError(str(error)) from error
    except errors as error:
        raise Failure(error, status) from error
    except ArchiveLocked as error:
        raise Failure(error, EXIT_NOT_STARTED) from error
    except (ArchiveError, ValueError) as error:
        raise Failure(error) from error


class Command(click.Command):
    """A command of mfa-archive: it runs inside ``failures()``."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a library error ends it as ``failures`` says. Damaged files
        left out (``--skip-damaged``) are named in one ``warning:`` line on stderr."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DamagedFilesWarning)
            try:
                with failures():
                    return super().invoke(ctx)
            finally:
                skipped = {str(path): None for found in caught
                           if isinstance(found.message, DamagedFilesWarning)
                           for path, _ in found.message.files}
                for found in caught:
                    if not isinstance(found.message, DamagedFilesWarning):
                        warnings.warn_explicit(found.message, found.category, found.filename,
                                               found.lineno)
                if skipped:
                    click.echo(f"warning: skipped {len(skipped)} damaged "
                               f"file{'s' if len(skipped) != 1 else ''} (`mfa-archive verify "
                               f"--quarantine` moves them aside): {', '.join(skipped)}",
                               err=True)


def command(name: str | None = None, **attrs: Any):
    """``click.command`` making a ``Command`` (every command of mfa-archive is one)."""
    return click.command(name, cls=Command, **attrs)


# -- printing rows ---------------------------------------------------------------------------


def output_option(*extra: str):
    """The shared ``--format`` option of commands that print rows (``extra``: more choices)."""
    return click.option("--format", "fmt", type=click.Choice([*output.FORMATS, *extra]),
                        default=None,
                        help="Output format (default: table on a terminal, jsonl when piped).")


def chosen_format(fmt: str | None) -> str:
    """The chosen format, or the default for where stdout goes."""
    return fmt or output.default_format(sys.stdout)


def echo_lines(lines: Iterable[str]) -> None:
    """Print lines to stdout."""
    for line in lines:
        click.echo(line)


# -- times and article filters -----------------------------------------------------------


class Moment(click.ParamType):
    """A date (midnight in Vilnius), a local time (Europe/Vilnius) or an ISO 8601 time with
    offset; kept as typed (a plain date means its whole day to ``--until``)."""

    name = "TIME"

    def convert(self, value, param, ctx):
        from mfa_scraper.archive.select import as_instant

        try:
            as_instant(value, f"--{param.name.replace('_', '-')}" if param else "time")
        except ValueError as error:
            self.fail(str(error), param, ctx)
        return value


MOMENT = Moment()


def filter_options(command):
    """The article filters shared by ``list`` and ``export``."""
    for option in reversed([
        click.option("--site", "sites", multiple=True,
                     help="Site: a name (urm) or host (urm.lt, www.urm.lt); repeatable."),
        click.option("--language", "languages", multiple=True, help="ISO 639-1 code (repeatable)."),
        click.option("--since", type=MOMENT, help="Created at or after this date (local day) "
                     "or time (local, or ISO 8601 with offset)."),
        click.option("--until", type=MOMENT, help="Created on or before this date (its whole "
                     "day) or at or before this time."),
        click.option("--category", help="Only articles with this category (any case)."),
        click.option("--search", help="Only articles whose title or text contains this."),
    ]):
        command = option(command)
    return command


def checked_filters(found: Archive, filters: dict) -> dict:
    """``filters`` with each site as the archive names it (``urm`` and ``www.urm.lt`` are
    ``urm.lt``); a site or language the archive does not hold, or ``--since`` after
    ``--until``, is a usage error naming the valid values (exit 2), never an empty result."""
    from mfa_scraper.archive.select import time_range

    sites = []
    stand_ins: dict[str, str] | None = None
    held_sites = found.sites() if filters.get("sites") else []  # one listing of the files
    for value in filters.get("sites") or ():
        site = registry.find(value)
        sites.append(registry.site_host(site) if site else registry.host_of(value))
        if site and sites[-1] not in held_sites:  # a demo's replica stands in for it?
            if stand_ins is None:
                from mfa_scraper.demo import demo_sites

                stand_ins = demo_sites(found.path)
            sites[-1] = stand_ins.get(site.name, sites[-1])
        if sites[-1] not in held_sites:
            raise click.BadParameter(f"{value!r}: this archive has no articles of that site; "
                                     f"it has {', '.join(held_sites) or 'none'}",
                                     param_hint="--site")
    languages = [value.strip().lower() for value in filters.get("languages") or ()]
    if languages and set(languages) - set(held := found.languages()):
        unknown = ", ".join(sorted(set(languages) - set(held)))
        raise click.BadParameter(f"{unknown}: this archive has no articles in that language; "
                                 f"it has {', '.join(held) or 'none'}", param_hint="--language")
    with failures(usage=(ValueError,)):
        time_range(filters.get("since"), filters.get("until"))
    return {**filters, "sites": sites, "languages": languages}
