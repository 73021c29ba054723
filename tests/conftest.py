"""Shared pytest fixtures: a local replica of the MFA sites served over real HTTP."""

from __future__ import annotations

import pytest

from mfa_scraper.replica.fixture import running_replica

REPLICA_ARTICLES = 30  # per listing: enough for several listing pages, small enough to be fast


@pytest.fixture(scope="session")
def replica():
    """The replica (seed 1, revision 1) in a subprocess: ``.urls[site]``, ``.dataset``."""
    with running_replica(articles=REPLICA_ARTICLES, seed=1, revision=1) as running:
        yield running
