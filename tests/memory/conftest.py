import pytest


@pytest.fixture(autouse=True)
def _table_cache(tmp_path_factory, monkeypatch):
    """Tables go to a per-session temporary cache, never the user's ~/.cache."""
    monkeypatch.setenv("NONLIN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "nonlin-cache"))
