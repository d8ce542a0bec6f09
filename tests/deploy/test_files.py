"""The deploy files: structure checks (Docker cannot run here), and every setting documented
in deploy/.env.example and in the README's configuration table."""

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_NAMES = {name: f"STRIDECOACH_{name.upper()}" for name in Settings.model_fields}


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (plain safe_load keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = sorted({key for key in keys if keys.count(key) > 1}, key=str)
        if duplicates:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key(s) {duplicates}", node.start_mark
            )
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str):
    return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects


def test_the_yaml_reader_refuses_duplicate_keys():
    assert parse_yaml("a:\n  b: 1\n  c: 2\n") == {"a": {"b": 1, "c": 2}}
    with pytest.raises(yaml.YAMLError, match="duplicate"):
        parse_yaml("a:\n  b: 1\n  b: 2\n")


def test_compose_file_structure():
    compose = parse_yaml((DEPLOY / "compose.yaml").read_text())
    bot = compose["services"]["stridecoach"]
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert bot["env_file"] == [".env"]
    assert bot["environment"]["STRIDECOACH_DB"] == "/data/stridecoach.db"
    assert bot["restart"] == "unless-stopped"
    volume, _, mount = bot["volumes"][0].partition(":")
    assert mount == "/data" and volume in compose["volumes"]
    assert any(port.endswith(":8443") for port in bot["ports"])
    assert "stop_grace_period" in bot
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]


def dockerfile() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)  # line continuations
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_runs_unprivileged_with_a_data_volume_and_a_healthcheck():
    steps = dockerfile()
    keywords = [k for k, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [v for k, v in steps if k == "USER"]
    assert (
        users and users[-1] not in ("root", "0") and keywords.index("USER") < keywords.index("CMD")
    )
    assert any(k == "RUN" and "pip install ." in v for k, v in steps)
    assert any(k == "VOLUME" and "/data" in v for k, v in steps)
    env = " ".join(v for k, v in steps if k == "ENV")
    assert "STRIDECOACH_DB=/data/stridecoach.db" in env
    assert json.loads(dict(steps)["CMD"]) == ["stridecoach", "run"]
    health = dict(steps)["HEALTHCHECK"]
    assert "curl" not in health and "wget" not in health
    command = json.loads(health[health.index("CMD") + 3 :])
    assert command[:2] == ["python", "-c"] and "urllib" in command[2] and "/healthz" in command[2]
    compile(command[2], "HEALTHCHECK", "exec")
    assert "!bot/" in (DEPLOY / "Dockerfile.dockerignore").read_text()


async def test_the_healthcheck_command_passes_on_200_and_fails_on_503(unused_tcp_port):
    steps = dict(dockerfile())
    code = json.loads(steps["HEALTHCHECK"][steps["HEALTHCHECK"].index("CMD") + 3 :])[2]
    state = {"status": 200}

    async def healthz(request):
        return web.json_response({"status": "x"}, status=state["status"])

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()

    async def check(**env) -> int:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        return await asyncio.wait_for(proc.wait(), 30)

    try:
        webhook = {"STRIDECOACH_WEBHOOK_URL": "https://x.example/telegram/a",
                   "STRIDECOACH_WEBHOOK_PORT": str(unused_tcp_port)}  # fmt: skip
        polling = {"STRIDECOACH_HEALTH_PORT": str(unused_tcp_port)}
        assert await check(**webhook) == 0
        assert await check(**polling) == 0
        state["status"] = 503
        assert await check(**webhook) != 0
    finally:
        await runner.cleanup()


def systemd_unit(name: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"{name}: bad line {line!r}"
        current.setdefault(key, []).append(value)
    return sections


def test_systemd_units():
    service = systemd_unit("stridecoach.service")["Service"]
    assert service["ExecStart"] == ["/opt/stridecoach/.venv/bin/stridecoach run"]
    assert service["EnvironmentFile"] == ["/etc/stridecoach.env"]
    assert service["User"] == ["stridecoach"] and service["Restart"] == ["on-failure"]
    assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
    assert "/var/lib/stridecoach" in service["ReadWritePaths"][0].split()
    assert "STRIDECOACH_DB=/var/lib/stridecoach/stridecoach.db" in service["Environment"]
    assert service["RestartPreventExitStatus"] == ["2"]
    assert systemd_unit("stridecoach.service")["Install"]["WantedBy"] == ["multi-user.target"]

    backup = systemd_unit("stridecoach-backup.service")["Service"]
    assert backup["Type"] == ["oneshot"] and backup["User"] == ["stridecoach"]
    assert backup["ExecStart"][0].startswith("/opt/stridecoach/.venv/bin/stridecoach db backup ")
    assert backup["EnvironmentFile"] == ["/etc/stridecoach.env"]
    timer = systemd_unit("stridecoach-backup.timer")
    assert timer["Timer"]["OnCalendar"] == ["daily"] and timer["Timer"]["Persistent"] == ["true"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


def test_caddyfile_proxies_the_webhook_only():
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy {$STRIDECOACH_UPSTREAM:127.0.0.1:8443}" in caddy
    assert caddy.count("{") == caddy.count("}")
    assert "respond 404" in caddy


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = re.match(r"^(?:# )?(STRIDECOACH_[A-Z_]+)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field):
    name, default = ENV_NAMES[field], Settings.model_fields[field].default
    if isinstance(default, bool):
        default = str(default).lower()  # as an operator writes it (pydantic reads both)
    example = env_example()
    assert name in example, f"{name} is missing from deploy/.env.example"
    if default is not None and example[name]:
        assert example[name] == str(default), (
            f"deploy/.env.example shows a wrong default for {name}"
        )
    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"{name} needs one row in the README's configuration table"
    if default is not None:
        assert f"`{default}`" in rows[0].split("|")[2], f"README shows a wrong default for {name}"


def test_the_env_example_is_valid(monkeypatch):
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=DEPLOY / ".env.example")
    assert settings.webhook_url is None  # polling unless the operator opts in
    assert env_example().keys() >= set(ENV_NAMES.values())
