"""The local replica: deterministic data, revisions as declared, and real HTTP behaviour."""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from mfa_scraper.pages import parse_article
from mfa_scraper.replica import legacy
from mfa_scraper.replica.breaks import RENAMED_LABELS
from mfa_scraper.replica.data import Dataset, collapse
from mfa_scraper.replica.faults import parse_fault
from mfa_scraper.replica.fixture import running_replica
from mfa_scraper.replica.generate import NEW_PER_LISTING
from mfa_scraper.replica.server import Replica, site_addresses

HOST = {"Host": "127.0.0.1:8000"}
BASE = "http://127.0.0.1:8000"
IMAGE_LINE = re.compile(r"^\S+\.(?:jpe?g|png|gif)$", re.IGNORECASE)
DATELINES = {"en": r"^\w+ \d{1,2}, \d{4} - ", "lt": r"^\d{4} m\. \w+ \d{1,2} d\., ",
             "ru": r"^\d{1,2} \w+ \d{4} г\., "}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def page_text(html: str) -> str:
    """All text of a page, whitespace collapsed (a sanity check, not a parser)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return collapse("".join(parser.parts))


def decoded(dataset: Dataset, article, body: bytes) -> str:
    site = dataset.sites[article.site]
    encoding = legacy.charset(site, article.language) if site.cms == "legacy" else "utf-8"
    return body.decode(encoding)


def fetch(base: str, path: str, headers: dict | None = None, method: str = "GET"):
    """``(status, headers with lower-case names, body)`` of one request on a new connection."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def small() -> Dataset:
    return Dataset.build(seed=1, articles_per_listing=30)


@pytest.fixture(scope="module")
def revisions() -> tuple[Dataset, Dataset]:
    return Dataset.build(seed=5, articles_per_listing=20), Dataset.build(5, 20, revision=2)


def all_bytes(dataset: Dataset) -> dict[tuple[str, str], bytes]:
    replica = Replica(dataset)
    return {(site, page.path): replica.handle(site, "GET", page.path, HOST).body
            for site in dataset.sites for page in dataset.pages(site)}


# -- data -----------------------------------------------------------------------------------


def test_same_seed_gives_same_bytes_and_another_seed_does_not():
    first, again = all_bytes(Dataset.build(3, 12)), all_bytes(Dataset.build(3, 12))
    assert first == again
    assert first != all_bytes(Dataset.build(4, 12))


def test_sites_listings_and_page_counts(small):
    assert set(small.sites) >= {"urm", "osce", "by", "ee"}
    assert {s.cms for s in small.sites.values()} == {"legacy", "current"}
    for site in small.sites:
        pages = list(small.pages(site))
        listings = [p for p in pages if p.kind == "listing"]
        assert len([p for p in pages if p.kind == "article"]) == 30 * len(
            small.sites[site].listings)
        assert any(p.number > 1 for p in listings)
        for page in listings:
            truth = small.expected_listing(page, BASE)
            assert truth.items and truth.url == BASE + page.path
            last = page.number == small.page_count(page.view)
            assert (truth.next_page is None) == last


def test_every_page_resolves_and_truth_comes_from_the_page(small):
    replica = Replica(small)
    for site in small.sites:
        for page in small.pages(site):
            response = replica.handle(site, "GET", page.path, HOST)
            assert response.status == 200, page.path
            if page.kind == "listing":
                continue
            article = page.article
            text = page_text(decoded(small, article, response.body))
            truth = small.expected_article(article, BASE)
            assert truth.title in text and truth.body_text
            for block in truth.body_text.split("\n\n"):
                assert block != truth.title and not IMAGE_LINE.match(block)
                assert all(cell in text for cell in block.split(" | ")), block
            for link in (*truth.related_links, *truth.attachments):
                assert link.title in text


def test_dates_follow_each_cms(small):
    legacy_articles = [a for a in small.articles.values() if a.cms == "legacy"]
    current_articles = [a for a in small.articles.values() if a.cms == "current"]
    assert all(a.created is None and a.updated is None and a.listing_date
               for a in current_articles)
    assert all(2023 <= a.published.year <= 2025 for a in current_articles)
    assert all(2015 <= a.published.year <= 2025 for a in legacy_articles)
    assert all(a.created.hour == 0 and a.created_raw == a.created.strftime("%Y.%m.%d")
               for a in legacy_articles)
    with_update = [a for a in legacy_articles if a.updated]
    assert 0.5 < len(with_update) / len(legacy_articles) < 0.9
    assert all(a.updated >= a.created for a in with_update)
    offsets = {a.updated.utcoffset().total_seconds() / 3600 for a in with_update}
    assert offsets == {2.0, 3.0}
    embassy = {a.listing_date is not None for a in legacy_articles if a.site == "by"}
    mission = {a.listing_date is not None for a in legacy_articles if a.site == "osce"}
    assert embassy == {True} and mission == {False}


def test_dataset_carries_the_traps(small):
    articles = list(small.articles.values())
    leads = [a for a in articles if re.match(DATELINES[a.language], a.lead)]
    assert {a.language for a in leads} == {"en", "lt", "ru"}
    kinds = {b.kind for a in articles for b in a.blocks}
    assert kinds >= {"p", "h3", "ul", "table", "quote", "lines", "loose", "blank"}
    hrefs = [link.href for a in articles for b in a.blocks for link in b.links]
    assert any(h.startswith("/") for h in hrefs) and any(h.startswith("http") for h in hrefs)
    assert any("%3A" in a.listing_href for a in articles)
    assert any(r.categories for a in articles for r in a.related)
    truth = [small.expected_article(a, BASE) for a in articles]
    assert any(t.attachments for t in truth) and any(t.related_links for t in truth)
    assert re.search(r"[ąčęėįšųūž]", " ".join(t.body_text for t in truth))
    assert re.search(r"[а-я]", " ".join(t.title for t in truth))


def test_lithuanian_legacy_sidebar_comes_before_the_title(small):
    replica = Replica(small)
    article = next(a for a in small.articles.values() if a.cms == "legacy" and a.language == "lt")
    html = decoded(small, article, replica.handle(article.site, "GET", article.path, HOST).body)
    assert html.index("Artimiausi renginiai") < html.index("<h1>")
    assert "Sukurta:" in html and "*alt_site_homepage_image*" not in html


def test_current_pages_have_the_fingerprint_and_no_date_line(small):
    replica = Replica(small)
    article = next(a for a in small.articles.values() if a.cms == "current")
    html = replica.handle(article.site, "GET", article.path, HOST).body.decode()
    assert "*alt_site_homepage_image*" in html and "Created:" not in html


# -- revisions --------------------------------------------------------------------------------


def test_a_date_label_break_renames_the_labels_and_changes_the_etag(small):
    replica = Replica(small)
    article = next(a for a in small.site_articles("by") if a.updated_raw and a.language == "lt")
    listing = small.views("by")[0].path
    normal, normal_listing = (replica.handle("by", "GET", p, HOST) for p in (article.path, listing))
    replica.faults.add("by", parse_fault("path=/*&mode=date_label"))
    asked = {**HOST, "If-None-Match": normal.headers["ETag"]}
    broken = replica.handle("by", "GET", article.path, asked)
    assert broken.status == 200 and broken.headers["ETag"] != normal.headers["ETag"]
    text, before = (page_text(decoded(small, article, r.body)) for r in (broken, normal))
    created, updated = RENAMED_LABELS["lt"]
    assert f"{created} {article.created_raw} / {updated} {article.updated_raw}" in text
    assert text.replace(created, "Sukurta:").replace(updated, "Atnaujinta:") == before
    assert replica.handle("by", "GET", listing, HOST).body == normal_listing.body
    parsed = parse_article(BASE + article.path, broken.body)
    assert (parsed.cms, parsed.created, parsed.updated) == ("legacy", None, None)


@pytest.mark.parametrize("site", ["osce", "urm"])
def test_a_body_container_break_leaves_only_the_generic_parser(small, site):
    replica = Replica(small)
    article = small.site_articles(site)[0]
    normal = replica.handle(site, "GET", article.path, HOST)
    replica.faults.add(site, parse_fault("path=/*&mode=body_container"))
    broken = replica.handle(site, "GET", article.path, HOST)
    assert page_text(decoded(small, article, broken.body)) == \
        page_text(decoded(small, article, normal.body))
    assert parse_article(BASE + article.path, normal.body).cms == small.sites[site].cms
    assert parse_article(BASE + article.path, broken.body).cms == "generic"


def test_revision_two_declares_disjoint_non_empty_changes(revisions):
    one, two = revisions
    changes = two.changes
    sets = (changes.edited, changes.bumped, changes.added, changes.deleted)
    assert all(sets) and changes.retitled and changes.retitled <= changes.edited
    assert sum(map(len, sets)) == len(set().union(*sets))
    assert all(two.articles[key].cms == "legacy" for key in changes.bumped)
    assert not one.changes.edited and not one.changes.added
    assert set(two.articles) == set(one.articles) | changes.added


def test_revision_two_differs_exactly_as_declared(revisions):
    one, two = revisions
    changes, first, second = two.changes, Replica(one), Replica(two)
    for key, old in one.articles.items():
        before = first.handle(*key[:1], "GET", key[1], HOST)
        after = second.handle(*key[:1], "GET", key[1], HOST)
        was, now = one.expected_article(old, BASE), two.expected_article(two.articles[key], BASE)
        if key in changes.deleted:
            assert after.status == two.articles[key].gone_status
            assert after.status in (404, 410)
        elif key in changes.edited:
            assert before.body != after.body and was.body_text != now.body_text
            assert (was.title != now.title) == (key in changes.retitled)
        elif key in changes.bumped:
            assert before.headers["ETag"] != after.headers["ETag"]
            assert now.updated > (was.updated or was.created)
            assert dataclasses.replace(now, updated=was.updated, updated_raw=was.updated_raw) == was
        else:
            assert before.body == after.body, key


def test_revision_two_listings_add_on_top_and_drop_deleted(revisions):
    _, two = revisions
    for (site, _lang), paths in two.order.items():
        top = {(site, p) for p in paths[:NEW_PER_LISTING]}
        assert top <= two.changes.added
        assert not {(site, p) for p in paths} & two.changes.deleted
    statuses = {two.articles[key].gone_status for key in two.changes.deleted}
    assert statuses == {404, 410}


# -- HTTP ------------------------------------------------------------------------------------


def test_robots_txt(replica):
    status, headers, body = fetch(replica.urls["urm"], "/robots.txt")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert "User-agent: *" in body.decode() and "Disallow: /private/" in body.decode()


def test_listing_and_article_over_http(replica):
    dataset = replica.dataset
    for site, base in replica.urls.items():
        page = next(p for p in dataset.pages(site) if p.kind == "listing" and p.number == 2)
        status, headers, body = fetch(base, page.path)
        assert status == 200 and int(headers["content-length"]) == len(body)
        article = dataset.view_items(page.view)[0]
        status, headers, body = fetch(base, article.path.replace(":", "%3A"))
        assert status == 200 and headers["etag"] and headers["last-modified"]
        assert dataset.expected_article(article, base).title in page_text(
            decoded(dataset, article, body))
    assert fetch(replica.urls["osce"], "/default/en/news/no-such-story")[0] == 404
    assert fetch(replica.urls["urm"], "/en/news/928?p=999")[0] == 404


def test_conditional_requests_get_304(replica):
    article = replica.dataset.site_articles("osce")[0]
    base = replica.urls["osce"]
    _, headers, _ = fetch(base, article.path)
    status, again, body = fetch(base, article.path, {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    since = {"If-Modified-Since": headers["last-modified"]}
    assert fetch(base, article.path, since)[0] == 304
    assert fetch(base, article.path, {"If-None-Match": '"other"'})[0] == 200
    old = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    assert fetch(base, article.path, old)[0] == 200


def test_keep_alive_and_head(replica):
    parts = urlsplit(replica.urls["ee"])
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        lengths = []
        for method in ("GET", "HEAD", "GET"):
            conn.request(method, "/naujienos/1")
            response = conn.getresponse()
            body = response.read()
            lengths.append((response.status, int(response.getheader("Content-Length")), len(body)))
    finally:
        conn.close()
    (s1, n1, b1), (s2, n2, b2), (s3, n3, b3) = lengths
    assert s1 == s2 == s3 == 200 and n1 == b1 == n2 == n3 == b3 and b2 == 0


def test_windows_1257_pages(replica):
    dataset, base = replica.dataset, replica.urls["by"]
    pages = [a for a in dataset.site_articles("by") if a.language == "lt"]
    bare = next(a for a in pages if a.variant % 3 == 0)  # these send no charset in the header
    labelled = next(a for a in pages if a.variant % 3 != 0)
    content_types = set()
    for article in (bare, labelled):
        _, headers, body = fetch(base, article.path)
        content_types.add(headers["content-type"])
        assert b'content="text/html; charset=windows-1257"' in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert dataset.expected_article(article, base).title in page_text(body.decode("cp1257"))
    assert content_types == {"text/html", "text/html; charset=windows-1257"}


def test_request_log(replica):
    base = replica.urls["ee"]
    fetch(base, "/__replica__/reset")
    fetch(base, "/naujienos/1")
    fetch(base, "/private/secret")
    fetch(base, "/nope")
    _, headers, body = fetch(base, "/__replica__/requests")
    log = json.loads(body)
    assert headers["content-type"] == "application/json"
    assert log == [{"path": "/naujienos/1", "status": 200},
                   {"path": "/private/secret", "status": 200},
                   {"path": "/nope", "status": 404}]


def test_twenty_parallel_requests_are_all_answered(replica):
    base = replica.urls["urm"]
    paths = [a.path for a in replica.dataset.site_articles("urm")[:20]]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda p: fetch(base, p)[0], paths))
    assert statuses == [200] * 20


def test_revision_two_over_http_serves_gone_and_new_articles():
    with running_replica(articles=20, seed=5, revision=2) as running:
        dataset = running.dataset
        for site, path in sorted(dataset.changes.deleted):
            status = fetch(running.urls[site], path)[0]
            assert status == dataset.articles[(site, path)].gone_status
        site, path = sorted(dataset.changes.added)[0]
        assert fetch(running.urls[site], path)[0] == 200


def test_fixture_reports_a_dead_process():
    with pytest.raises(RuntimeError, match="exited with code"), running_replica(articles=0):
        pass


def test_an_address_per_site_follows_the_host_within_loopback():
    assert site_addresses("127.0.0.1", 3, False) == ["127.0.0.1"] * 3
    assert site_addresses("127.0.0.1", 3, True) == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    for host in ("10.0.0.1", "::1", "127.255.255.254"):  # not loopback, or runs out of it
        with pytest.raises(ValueError, match="loopback"):
            site_addresses(host, 3, True)


def test_the_command_refuses_an_address_per_site_outside_loopback():
    done = subprocess.run([sys.executable, "-m", "mfa_scraper.replica", "--articles", "1",
                           "--host", "10.0.0.1", "--address-per-site"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "error: an address per site needs loopback addresses after 10.0.0.1" in done.stderr


def test_each_site_answers_on_its_own_address():
    with running_replica(articles=2, address_per_site=True) as running:
        hosts = {site: urlsplit(base).hostname for site, base in running.urls.items()}
        assert sorted(hosts.values()) == [f"127.0.0.{n + 2}" for n in range(len(hosts))]
        for site, base in running.urls.items():
            path = running.dataset.site_articles(site)[0].path
            assert fetch(base, path)[0] == 200
