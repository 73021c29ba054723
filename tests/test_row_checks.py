"""The archive's row check: its fast per-type test never accepts what check_value refuses,
and a refused value still gets check_value's error naming the field."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from mfa_scraper.archive.schema import ARTICLES_FILE_SCHEMA, _valid, check_value

LINKS = ARTICLES_FILE_SCHEMA.field("related_links").type
AWARE, NAIVE = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1)


class Small(enum.IntEnum):
    ONE = 1


CASES = [
    (pa.string(), ["text", 3, b"bytes", None]),
    (pa.timestamp("us", tz="UTC"), [AWARE, NAIVE, "2026-11-01", None]),
    (pa.int32(), [1, 2**31, -(2**31), True, 1.0, Small.ONE, None]),
    (pa.int64(), [2**40, 2**63, -(2**63), False, "1", None]),
    (pa.list_(pa.string()), [["a", "b"], ("a",), ["a", 1], "ab", [None], []]),
    (LINKS, [[{"url": "u", "title": "t", "categories": ["c"]}],
             [{"url": "u", "title": 2, "categories": []}],
             [{"url": "u", "categories": ["c", 3]}], [{"url": "u"}], ["u"], {}, []]),
]


def _refused(value, arrow_type) -> bool:
    try:
        check_value(value, arrow_type, "field")
    except ValueError:
        return True
    return False


@pytest.mark.parametrize(("arrow_type", "values"), CASES, ids=lambda c: str(c)[:30])
def test_fast_test_agrees_with_check_value(arrow_type, values):
    for value in values:
        refused = _refused(value, arrow_type)
        if _valid(arrow_type)(value):
            assert not refused, value
        else:  # the fast test may only be stricter: then check_value decides
            assert refused or isinstance(value, enum.Enum), value


def test_refused_nested_value_names_its_place():
    bad = [{"url": "u", "title": "t", "categories": ["c", 3]}]
    assert not _valid(LINKS)(bad)
    with pytest.raises(ValueError, match=r"related_links\[0\]\.categories\[1\]"):
        check_value(bad, LINKS, "related_links")
