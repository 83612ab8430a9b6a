import stat
from pathlib import Path

import pytest

from citysteward import paths, stack


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(paths, "VAR_DIR", tmp_path)
    return tmp_path


def test_defaults_use_the_contract_ports_and_a_private_token_file(var_dir: Path) -> None:
    config = stack.config_from_env({})
    assert (config.rasa_port, config.actions_port) == (5005, 5055)
    token_file = var_dir / "rasa-auth-token"
    assert config.rasa_auth_token == token_file.read_text(encoding="utf-8")
    assert len(config.rasa_auth_token) >= 32
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stack.config_from_env({}).rasa_auth_token == config.rasa_auth_token  # stable across runs


def test_environment_overrides_ports_and_token(var_dir: Path) -> None:
    config = stack.config_from_env({"RASA_PORT": "6005", "ACTIONS_PORT": "6055", "RASA_AUTH_TOKEN": "t"})
    env = config.environment()
    assert env["RASA_URL"] == "http://127.0.0.1:6005"
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6055/webhook"
    assert env["SANIC_HOST"] == "127.0.0.1"
    assert not (var_dir / "rasa-auth-token").exists()


def test_rasa_binds_loopback_with_the_api_token(var_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack, "ensure_model", lambda: Path("models/m.tar.gz"))
    command = stack.service_command("rasa", stack.config_from_env({"RASA_AUTH_TOKEN": "secret"}))
    assert command[command.index("--interface") + 1] == "127.0.0.1"
    assert command[command.index("--auth-token") + 1] == "secret"
    assert "--enable-api" in command


def test_unknown_service_is_refused(var_dir: Path) -> None:
    with pytest.raises(ValueError, match="unknown service"):
        stack.service_command("scheduler", stack.config_from_env({"RASA_AUTH_TOKEN": "t"}))


def test_the_gateway_gets_its_port_and_a_health_url(var_dir: Path) -> None:
    config = stack.config_from_env({"RASA_AUTH_TOKEN": "t", "GATEWAY_PORT": "18080"})
    assert stack.service_command("gateway", config)[-2:] == ["-m", "bot.service"]
    assert config.environment()["GATEWAY_PORT"] == "18080"
    assert stack.health_url("gateway", config) == "http://127.0.0.1:18080/health"


def test_port_probe_sees_a_bound_port() -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        assert not stack.port_is_free(holder.getsockname()[1])
    assert stack.port_is_free(stack.free_port())


def test_explicit_service_urls_win_over_the_loopback_defaults(var_dir: Path) -> None:
    config = stack.config_from_env({"RASA_AUTH_TOKEN": "t", "RASA_PORT": "6005"})
    environ = {"RASA_URL": "http://rasa.internal:5005", "PLATFORM_URL": "", "HOME": "/root"}
    env = stack.service_environment(config, environ)
    assert env["RASA_URL"] == "http://rasa.internal:5005"
    assert env["PLATFORM_URL"] == config.platform_url  # empty means not set
    assert env["RASA_PORT"] == "6005"
    assert env["HOME"] == "/root"
    assert stack.service_environment(config, {})["RASA_URL"] == "http://127.0.0.1:6005"
