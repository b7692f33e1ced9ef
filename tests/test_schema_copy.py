"""The packaged schema is the shared one, byte for byte."""

from __future__ import annotations

from crawler.schema import SCHEMA_FILENAME, schema_path
from tests.conftest import SHARED_SCHEMA


def test_packaged_schema_is_byte_identical_to_the_shared_schema():
    shared = (SHARED_SCHEMA / SCHEMA_FILENAME).read_bytes()
    assert schema_path().read_bytes() == shared
