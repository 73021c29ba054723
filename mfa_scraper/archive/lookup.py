"""Group and match article ids among a million without a Python object per id.

Each id is hashed with Python's (per-process salted) string hash, and rows are grouped by
that hash with Arrow. A second, independent hash (of the id plus a NUL) confirms a match: two
ids sharing the first hash (about one chance in 10^8 per million ids) are told apart by it,
and the caller falls back to an exact scan. Exact per-id work sorts the ids themselves.
"""

from __future__ import annotations

from array import array
from itertools import repeat

import pyarrow as pa
import pyarrow.compute as pc

_hash = hash  # module-level so that tests can force collisions
_SALT = "\0"
ROW_BITS = 32  # a version and a row number share one int64: version << 32 | row
_ROW_MASK = (1 << ROW_BITS) - 1


def arange(length: int) -> pa.Array:
    """0, 1, ... length - 1 as int64, without Python ints."""
    return pc.indices_nonzero(pc.is_null(pa.nulls(length))).cast(pa.int64())


def to_q(values: pa.Array | pa.ChunkedArray) -> array:
    """An integer Arrow array without nulls as an array('q'), copied without Python ints."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.int64())
    start, stop = values.offset * 8, (values.offset + len(values)) * 8
    out = array("q")
    out.frombytes(memoryview(values.buffers()[1])[start:stop])
    return out


_ARROW_INTS = {"q": pa.int64(), "i": pa.int32()}


def from_array(values: array) -> pa.Array:
    """An ``array('q')`` or ``array('i')`` as an Arrow int64 or int32 array, without a copy."""
    return pa.Array.from_buffers(_ARROW_INTS[values.typecode], len(values),
                                 [None, pa.py_buffer(values)])


def both_hashes(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """The two independent 64-bit hashes of each id (a null id hashes as the empty string).

    The first groups and finds rows; the second (of the id plus a NUL) confirms a match.
    """
    values = ids.fill_null("").to_pylist()
    salted = map(str.__add__, values, repeat(_SALT, len(values)))
    return from_array(array("q", map(_hash, values))), from_array(array("q", map(hash, salted)))


def best_rows(
    keys: pa.Array | pa.ChunkedArray, order: pa.Array | pa.ChunkedArray
) -> tuple[pa.Array, pa.Array]:
    """Per distinct non-null key: the key and the row number with the highest ``order``.

    ``order`` (a non-negative integer below 2**31, such as a version or a time in seconds)
    and the row number are packed into one int64, so one hash aggregation finds both.
    """
    packed = pc.bit_wise_or(pc.shift_left(order.cast(pa.int64()), ROW_BITS), arange(len(keys)))
    table = pa.table({"key": keys, "packed": packed}).filter(pc.is_valid(keys))
    best = table.group_by("key", use_threads=False).aggregate([("packed", "max")])
    best = best.filter(pc.is_valid(best["packed_max"]))
    return _flat(best["key"]), _flat(pc.bit_wise_and(best["packed_max"], _ROW_MASK))


def latest_rows(keys: pa.Array | pa.ChunkedArray, versions: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Row numbers of the highest version per key (an id or its hash), ascending (int64)."""
    _, winners = best_rows(keys, versions)
    return winners.take(pc.sort_indices(winners))


def highest_per_id(keys: pa.Table) -> pa.Table:
    """``keys`` sorted by article_id then version descending, one row (the highest) per id."""
    keys = keys.combine_chunks()  # sorting chunked columns is several times slower
    keys = keys.take(pc.sort_indices(
        keys, sort_keys=[("article_id", "ascending"), ("version", "descending")]))
    ids = keys["article_id"]
    if keys.num_rows < 2:
        return keys
    differs = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1))
    first = pa.chunked_array([pa.array([True]), *differs.chunks], pa.bool_())
    return keys.filter(first)


def _flat(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
