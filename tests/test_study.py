"""helpers.search.study: a storage that cannot be opened gets a clear message; any other failure propagates."""

from __future__ import annotations

import optuna
import pytest
from sqlalchemy.exc import OperationalError

from helpers.search import study as study_module
from helpers.search.space import SearchError


def _open(storage: str, name: str = "toy-study") -> optuna.Study:
    return study_module.open_study(storage, name, optuna.pruners.NopPruner(), seed=0, startup_trials=1)


def test_a_sqlite_study_that_cannot_be_opened_says_where(tmp_path):
    missing = tmp_path / "no such folder" / "study.db"
    with pytest.raises(
        SearchError, match=r"Cannot open the study 'toy-study' in sqlite:///.*OperationalError"
    ):
        _open(f"sqlite:///{missing}")


def test_a_server_database_is_retried_then_named_with_its_password_hidden(tmp_path, monkeypatch):
    calls = []

    class Flaky(optuna.storages.RDBStorage):  # two workers racing to create the tables: two attempts fail
        def __init__(self, url, **kwargs):
            calls.append(url)
            if len(calls) < 3:
                raise OperationalError("CREATE TABLE studies", {}, Exception("relation already exists"))
            super().__init__(f"sqlite:///{tmp_path / 'study.db'}", **kwargs)

    monkeypatch.setattr(optuna.storages, "RDBStorage", Flaky)
    monkeypatch.setattr(study_module.time, "sleep", lambda s: None)
    opened = _open("postgresql://user:secret@db.example/optuna")
    assert len(calls) == 3 and opened.study_name == "toy-study"

    calls.clear()

    class Down(optuna.storages.RDBStorage):
        def __init__(self, url, **kwargs):
            calls.append(url)
            raise OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(optuna.storages, "RDBStorage", Down)
    with pytest.raises(SearchError, match=r"postgresql://user:\*\*\*@db.example/optuna") as caught:
        _open("postgresql://user:secret@db.example/optuna")
    assert len(calls) == 5, "a server that is down is tried five times"
    assert "secret" not in str(caught.value) and isinstance(caught.value.__cause__, OperationalError)


def test_a_bug_while_opening_the_study_propagates_at_once(monkeypatch):
    calls = []

    def broken(url, **kwargs):
        calls.append(url)
        raise TypeError("a bug, not a database that cannot be opened")

    monkeypatch.setattr(optuna.storages, "RDBStorage", broken)
    monkeypatch.setattr(study_module.time, "sleep", lambda s: pytest.fail("a bug must not be retried"))
    with pytest.raises(TypeError, match="a bug"):
        _open("postgresql://user:secret@db.example/optuna")
    assert len(calls) == 1


def test_display_storage_hides_passwords_and_shows_only_the_scheme_of_what_it_cannot_parse(monkeypatch):
    assert study_module.display_storage("postgresql://u:pw@host/db") == "postgresql://u:***@host/db"
    assert study_module.display_storage("postgresql://u:pw@host:port/db") == "postgresql://…"  # bad port
    assert study_module.display_storage("not a url") == "not a url://…"

    def broken(url):
        raise TypeError("a bug")

    monkeypatch.setattr("sqlalchemy.engine.make_url", broken)
    with pytest.raises(TypeError, match="a bug"):
        study_module.display_storage("postgresql://u:pw@host/db")
