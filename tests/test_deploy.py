"""The container files: docker-compose.yml checked by `docker-compose config -q` when the Debian package
is installed, and always by a schema check of the keys this project relies on; the Dockerfile runs as a
non-root user with a HEALTHCHECK on `python -m bot health`; the `postgres` profile adds PostgreSQL."""

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
HEALTH = ["python", "-m", "bot", "health"]
DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")
RESTART = {"no", "always", "on-failure", "unless-stopped"}
SERVICE_KEYS = {  # the Compose Specification's service keys this project could plausibly use
    "build",
    "image",
    "env_file",
    "environment",
    "volumes",
    "restart",
    "healthcheck",
    "logging",
    "user",
    "command",
    "entrypoint",
    "container_name",
    "stop_grace_period",
    "stop_signal",
    "read_only",
    "tmpfs",
    "deploy",
    "profiles",
    "depends_on",
}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}


def compose_problems(doc: Any) -> list[str]:
    """What docker-compose.yml must hold for grillbot; an empty list when it does."""
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        return ["no services mapping"]
    bot = doc["services"].get("bot")
    if not isinstance(bot, dict):
        return ["no `bot` service"]
    problems = [f"unknown service key {key!r}" for key in bot if key not in SERVICE_KEYS]
    if "build" not in bot and "image" not in bot:
        problems.append("the bot service has neither build nor image")
    env_files = bot.get("env_file")
    if ".env" not in ([env_files] if isinstance(env_files, str) else env_files or []):
        problems.append("env_file does not read .env (DISCORD_TOKEN)")
    declared = doc.get("volumes") or {}
    mounts = [str(v) for v in bot.get("volumes") or []]
    data = [m for m in mounts if m.split(":")[1:2] == ["/data"]]
    if not data:
        problems.append("no volume mounted at /data")
    for mount in data:
        source = mount.split(":")[0]
        if not source.startswith((".", "/")) and source not in declared:
            problems.append(f"named volume {source!r} is not declared under top-level volumes")
    db = (bot.get("environment") or {}).get("GRILLBOT_DB", "/data/grillbot.db")
    if not str(db).startswith("/data/"):
        problems.append(f"GRILLBOT_DB {db!r} is not on the /data volume")
    if bot.get("restart") not in RESTART:
        problems.append(f"restart {bot.get('restart')!r} is not one of {sorted(RESTART)}")
    check = bot.get("healthcheck")
    if not isinstance(check, dict):
        return [*problems, "no healthcheck"]
    problems += [f"unknown healthcheck key {key!r}" for key in check if key not in HEALTHCHECK_KEYS]
    if check.get("test") != ["CMD", *HEALTH]:
        problems.append(f"healthcheck test {check.get('test')!r} is not ['CMD', *{HEALTH}]")
    for key in ("interval", "timeout", "start_period"):
        if not DURATION.fullmatch(str(check.get(key, ""))):
            problems.append(f"healthcheck {key} {check.get(key)!r} is not a duration such as 30s")
    if not isinstance(check.get("retries"), int) or check["retries"] < 1:
        problems.append("healthcheck retries must be a positive whole number")
    return problems


def postgres_problems(doc: Any) -> list[str]:
    """The `postgres` profile: a PostgreSQL service with a volume and a healthcheck, only in that
    profile, and the bot pointed at it by GRILLBOT_DATABASE_URL, which stays empty (SQLite) without it."""
    services = doc.get("services") or {}
    bot, pg = services.get("bot") or {}, services.get("postgres")
    problems = []
    if "profiles" in bot:
        problems.append("the bot service has profiles: `docker compose up -d` would not start it")
    if "postgres" in (bot.get("depends_on") or {}):
        problems.append("the bot depends on postgres, which the default profile does not start")
    if (bot.get("environment") or {}).get("GRILLBOT_DATABASE_URL") != "${GRILLBOT_DATABASE_URL:-}":
        problems.append("the bot's GRILLBOT_DATABASE_URL is not ${GRILLBOT_DATABASE_URL:-} (from .env, else SQLite)")
    if not isinstance(pg, dict):
        return [*problems, "no `postgres` service"]
    if pg.get("profiles") != ["postgres"]:
        problems.append(f"the postgres service's profiles are {pg.get('profiles')!r}, not ['postgres']")
    if not str(pg.get("image", "")).startswith("postgres:"):
        problems.append(f"the postgres service's image {pg.get('image')!r} is not postgres:<version>")
    env = pg.get("environment") or {}
    problems += [
        f"the postgres service does not set {key}"
        for key in ("POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD")
        if key not in env
    ]
    mounts = [str(v).split(":") for v in pg.get("volumes") or []]
    sources = [m[0] for m in mounts if m[1:2] == ["/var/lib/postgresql/data"]]
    if not sources or sources[0] not in (doc.get("volumes") or {}):
        problems.append("no declared named volume at /var/lib/postgresql/data")
    test = (pg.get("healthcheck") or {}).get("test") or []
    if test[:2] != ["CMD", "pg_isready"]:
        problems.append(f"the postgres healthcheck {test!r} does not run pg_isready")
    return problems


def load_compose() -> Any:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="the docker-compose package is not installed")
def test_compose_file_with_docker_compose_config(tmp_path, capsys):
    for name in (COMPOSE, DOCKERFILE):
        shutil.copy(name, tmp_path / name.name)
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\n", encoding="utf-8")  # env_file must exist; no secret
    done = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    with capsys.disabled():
        print("\ncompose check: docker-compose config -q")
    assert done.returncode == 0, done.stderr


def test_compose_file_schema_check(capsys):
    ran = "docker-compose config -q ran too" if shutil.which("docker-compose") else "docker-compose not installed"
    with capsys.disabled():
        print(f"\ncompose check: schema check of docker-compose.yml ({ran})")
    assert compose_problems(load_compose()) == []
    assert postgres_problems(load_compose()) == []


@pytest.mark.parametrize(
    ("service", "key", "value", "problem"),
    [
        ("postgres", "profiles", None, "profiles are None"),
        ("postgres", "image", "mysql:8", "is not postgres"),
        ("postgres", "volumes", ["/tmp/pg:/var/lib/postgresql/data"], "no declared named volume"),
        ("postgres", "healthcheck", None, "does not run pg_isready"),
        ("bot", "profiles", ["postgres"], "would not start it"),
        ("bot", "depends_on", ["postgres"], "the bot depends on postgres"),
        ("bot", "environment", {"GRILLBOT_DB": "/data/grillbot.db"}, "GRILLBOT_DATABASE_URL"),
    ],
)
def test_the_schema_check_catches_a_broken_postgres_profile(service, key, value, problem):
    doc = copy.deepcopy(load_compose())
    target = doc["services"][service]
    if value is None:
        del target[key]
    else:
        target[key] = value
    assert any(problem in found for found in postgres_problems(doc)), postgres_problems(doc)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("healthcheck",), None, "no healthcheck"),
        (("healthcheck", "test"), ["CMD", "true"], "healthcheck test"),
        (("healthcheck", "interval"), "often", "healthcheck interval"),
        (("healthcheck", "retries"), 0, "retries"),
        (("restart",), "sometimes", "restart 'sometimes'"),
        (("env_file",), "other.env", "env_file"),
        (("volumes",), ["./data:/srv"], "no volume mounted at /data"),
        (("build",), None, "neither build nor image"),
        (("environment", "GRILLBOT_DB"), "data/grillbot.db", "not on the /data volume"),
        (("healtcheck",), {"test": ["CMD", *HEALTH]}, "unknown service key 'healtcheck'"),
    ],
)
def test_the_schema_check_catches_a_broken_compose_file(path, value, problem):
    doc = copy.deepcopy(load_compose())
    target = doc["services"]["bot"]
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    assert any(problem in found for found in compose_problems(doc)), compose_problems(doc)


def test_an_undeclared_named_volume_is_caught():
    doc = copy.deepcopy(load_compose())
    del doc["volumes"]
    assert compose_problems(doc) == ["named volume 'grillbot-data' is not declared under top-level volumes"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            rows.append((word.upper(), rest.strip()))
    return rows


def test_the_image_runs_as_a_non_root_user_who_owns_the_data_volume():
    rows = dockerfile_instructions()
    words = [word for word, _ in rows]
    users = [args for word, args in rows if word == "USER"]
    assert users, "no USER instruction: the bot would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert words.index("USER") < words.index("ENTRYPOINT")
    chown = next(i for i, (word, args) in enumerate(rows) if word == "RUN" and f"chown {user}" in args)
    assert re.search(rf"useradd .*\b{user}\b", rows[chown][1])
    assert "/data" in rows[chown][1].split(f"chown {user}", 1)[1]
    # Changes to a path after it is declared a VOLUME are discarded, so the chown must come first.
    assert chown < words.index("VOLUME")


def test_the_image_healthcheck_runs_the_health_command_like_compose():
    checks = [args for word, args in dockerfile_instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    options, _, command = checks[0].partition(" CMD ")
    assert yaml.safe_load(command) == HEALTH  # exec form: a JSON list
    assert re.search(r"--interval=\S+", options) and re.search(r"--start-period=\S+", options)
    assert load_compose()["services"]["bot"]["healthcheck"]["test"] == ["CMD", *HEALTH]
