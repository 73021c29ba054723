"""The crawl's choice of Arrow memory pool (ARROW_MEMORY_POOL)."""

import pyarrow as pa
import pytest

from mfa_scraper.crawler.pipelines import use_arrow_pool


@pytest.fixture
def pool_restored():
    """Put back the process's default pool after the test."""
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_the_named_pool_becomes_arrows_default(pool_restored):
    use_arrow_pool("system")
    assert pa.default_memory_pool().backend_name == "system"
    assert pa.array(["allocated"] * 1000).nbytes > 0  # and Arrow allocates from it


def test_an_empty_name_keeps_the_pool(pool_restored):
    before = pa.default_memory_pool().backend_name
    use_arrow_pool("")
    assert pa.default_memory_pool().backend_name == before


def test_an_unknown_pool_is_refused_naming_the_ones_there_are(pool_restored):
    before = pa.default_memory_pool().backend_name
    with pytest.raises(ValueError, match=r"'tcmalloc' is not one of .*system"):
        use_arrow_pool("tcmalloc")
    assert pa.default_memory_pool().backend_name == before

