"""Every relative Markdown link of README.md and docs/*.md points to a file of the repository,
and a link's #anchor to a heading of that file (as GitHub names headings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^ *```.*?^ *```", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def _prose(text: str) -> str:
    """``text`` without its code blocks and code spans, where a link is no link."""
    return CODE.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: link text kept, code marks and punctuation dropped,
    lower case, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings; a repeated heading gets -1, -2, ..."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#* *$", FENCE.sub("", path.read_text()), re.M):
        slug, n = _slug(heading), 0
        while (slug if n == 0 else f"{slug}-{n}") in found:
            n += 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def _links() -> list[pytest.param]:
    found = []
    for doc in DOCS:
        for target in LINK.findall(_prose(doc.read_text())):
            if not ABSOLUTE.match(target):
                found.append(pytest.param(doc, target, id=f"{doc.name}:{target}"))
    return found


LINKS = _links()


def test_the_docs_link_to_each_other():
    linked = {(doc.name, target.split("#")[0]) for doc, target in (p.values for p in LINKS)}
    readme = {target for name, target in linked if name == "README.md"}
    pages = {f"docs/{doc.name}" for doc in DOCS if doc.name != "README.md"}
    assert pages <= readme, f"docs pages the README does not link: {sorted(pages - readme)}"


@pytest.mark.parametrize(("doc", "target"), LINKS)
def test_a_relative_link_points_to_a_file_and_heading(doc, target):
    path, _, anchor = target.partition("#")
    file = (doc.parent / path).resolve() if path else doc
    assert file.exists(), f"{doc.name}: {target} points to no file"
    assert ROOT in file.parents or file == ROOT, f"{doc.name}: {target} leaves the repository"
    if anchor:
        assert file.suffix == ".md", f"{doc.name}: {target}: an anchor into a non-Markdown file"
        assert anchor in _anchors(file), f"{doc.name}: {target}: no such heading in {file.name}"


def test_the_slug_is_githubs():
    assert _slug("Resuming a crawl: `--jobdir`") == "resuming-a-crawl---jobdir"
    assert _slug("Exit statuses of `mfa-archive crawl`") == "exit-statuses-of-mfa-archive-crawl"
    assert _slug("The project's reader") == "the-projects-reader"
