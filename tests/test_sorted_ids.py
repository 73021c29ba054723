"""The writer index's search of sorted ids on Arrow's buffers agrees with Python's order."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mfa_scraper.archive.index import SortedIds

# ids as the real sites have them: Lithuanian and Cyrillic slugs, percent-escapes, odd code points
ALPHABET = "abz09-/:%AZ" + "ąčęėįšųūž" + "дияжё" + "\u00e9\u00ff\u0100\u07ff\u0800\uffff\U0001f600"


def ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = {"https://urm.lt/" + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))
             for _ in range(count)}
    return list(words)


def arrow_sorted(values: list[str], arrow_type: pa.DataType) -> pa.Array:
    array = pa.array(values, arrow_type)
    return array.take(pc.sort_indices(array))  # sorted the way the index files are


@pytest.mark.parametrize("arrow_type", [pa.string(), pa.large_string()])
def test_finds_every_id_and_no_other(arrow_type) -> None:
    present, absent = ids(3000, 1), ids(3000, 2)
    absent = [x for x in absent if x not in set(present)] + [
        "", "https://urm.lt/\U0010ffff", "https://urm.lt/\udc80"]  # a lone surrogate: never stored
    array = arrow_sorted(present, arrow_type)
    assert array.to_pylist() == sorted(present)  # Arrow's order is Python's
    found = SortedIds(array)
    assert len(found) == len(present)
    assert [found.find(x) for x in array.to_pylist()] == list(range(len(present)))
    assert {found.find(x) for x in absent} == {None}


def test_a_slice_is_searched_within_its_own_bounds() -> None:
    array = arrow_sorted(ids(500, 3), pa.string())
    part = array.slice(100, 50)
    found = SortedIds(part)
    values = part.to_pylist()
    assert [found.find(x) for x in values] == list(range(50))
    assert found.find(array[99].as_py()) is None
    assert found.find(array[150].as_py()) is None


@pytest.mark.parametrize("empty", [pa.array([], pa.string()), pa.array([], pa.large_string()),
                                   pa.array(["a"]).slice(1), pa.nulls(0, pa.string())])
def test_an_empty_array_finds_nothing(empty) -> None:
    assert len(SortedIds(empty)) == 0
    assert SortedIds(empty).find("a") is None
    assert SortedIds(empty).find("") is None


def test_the_empty_string_is_an_id_like_any_other() -> None:
    found = SortedIds(pa.array(["", "a", "b"]))
    assert (found.find(""), found.find("a"), found.find("b"), found.find("c")) == (0, 1, 2, None)


def test_nulls_are_refused() -> None:
    with pytest.raises(ValueError, match="no nulls"):
        SortedIds(pa.array(["a", None]))
