import textwrap

import pytest


@pytest.fixture
def csv_file(tmp_path):
    """Write a CSV file (dedented text) and return its path."""

    def write(text: str, name: str = "import.csv", encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))
        return path

    return write
