"""Every page of the replica, both revisions, parses to exactly the replica's truth."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from mfa_scraper.items import to_jsonable
from mfa_scraper.pages import parse_article, parse_listing
from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.server import Replica

# The replica's default size: hundreds of articles per site.
ARTICLES_PER_LISTING = 120
REVISIONS = (1, 2)
_CHARSET = re.compile(r"charset=([\w-]+)", re.IGNORECASE)


@pytest.fixture(scope="module", params=REVISIONS, ids=lambda r: f"revision{r}")
def served(request):
    dataset = Dataset.build(seed=1, articles_per_listing=ARTICLES_PER_LISTING,
                            revision=request.param)
    return dataset, Replica(dataset)


def _fetch(replica: Replica, site: str, path: str):
    response = replica.handle(site, "GET", path, {"host": f"{site}.replica.test"})
    assert response.status == 200, (site, path, response.status)
    charset = _CHARSET.search(response.headers.get("Content-Type", ""))
    return f"http://{site}.replica.test", response.body, charset.group(1) if charset else None


def _mismatches(dataset: Dataset, replica: Replica, site: str) -> tuple[int, list[str]]:
    checked, problems = 0, []
    for page in dataset.pages(site):
        base, body, encoding = _fetch(replica, site, page.path)
        url = base + page.path
        if page.kind == "article":
            got = replace(parse_article(url, body, encoding=encoding), body_html="")
            want = dataset.expected_article(page.article, base)
        else:
            got = parse_listing(url, body, encoding=encoding)
            want = dataset.expected_listing(page, base)
        got, want = to_jsonable(got), to_jsonable(want)
        checked += 1
        problems += [f"{url} {key}: {got[key]!r:.300} != {want[key]!r:.300}"
                     for key in want if got.get(key) != want[key]]
    return checked, problems


@pytest.mark.parametrize("site", ["urm", "osce", "by", "ee"])
def test_every_page_parses_to_the_truth(served, site):
    dataset, replica = served
    checked, problems = _mismatches(dataset, replica, site)
    assert checked > 100
    assert problems == [], f"{len(problems)} mismatches, first: " + "\n".join(problems[:8])
