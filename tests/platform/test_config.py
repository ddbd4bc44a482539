"""Settings: embedded defaults for development, no secret defaults in production."""

import pytest

from gannan import create_app
from gannan.platform.config import ConfigError, normalise_database_url, settings_from_env


def test_production_refuses_to_start_without_secrets(monkeypatch, tmp_path):
    monkeypatch.setenv("GANNAN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/x")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_embedded_default(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "GANNAN_ENV",
                 "CELERY_TASK_ALWAYS_EAGER"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_from_env(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/gannan.sqlite3"
    assert settings["CELERY"]["task_always_eager"] is True
    # the development key is random, kept private in the instance folder, and stable
    assert len(settings["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert settings_from_env(str(tmp_path))["SECRET_KEY"] == settings["SECRET_KEY"]


def test_broker_turns_off_eager_mode(monkeypatch, tmp_path):
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("CELERY_TASK_ALWAYS_EAGER", raising=False)
    settings = settings_from_env(str(tmp_path))
    assert settings["CELERY"]["broker_url"] == "redis://127.0.0.1:6379/0"
    assert settings["CELERY"]["task_always_eager"] is False


def test_bad_integer_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("ACCESS_TOKEN_TTL_SECONDS", "an hour")
    with pytest.raises(ConfigError, match="ACCESS_TOKEN_TTL_SECONDS"):
        settings_from_env(str(tmp_path))


@pytest.mark.parametrize("url, expected", [
    ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_normalisation(url, expected):
    assert normalise_database_url(url) == expected


def test_a_server_database_keeps_a_connection_per_thread(monkeypatch, tmp_path):
    """gunicorn's threads each hold a connection through a request: the pool keeps 10 per
    process (SQLAlchemy's 5 made a server with 8 threads open and close connections
    under load), or DATABASE_POOL_SIZE; SQLite keeps its own pool, whatever the
    environment names (a test's SQLite database on top of a PostgreSQL DATABASE_URL)."""
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example/gannan")
    assert create_app().config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_size": 10}  # BEGIN checks
    monkeypatch.setenv("DATABASE_POOL_SIZE", "24")
    assert create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 24
    on_sqlite = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert on_sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    monkeypatch.delenv("DATABASE_URL")
    assert create_app().config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
