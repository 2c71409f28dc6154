"""The README is checked against the code: settings, JSON-LD keys, the test command CI runs."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ljkg.cli import main
from ljkg.settings import PROJECT_ROOT, SETTINGS

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_and_in_help():
    help_text = CliRunner().invoke(main, ["serve", "--help"], terminal_width=200).output
    for s in SETTINGS:
        assert f"| `{s.flag}` | `{s.env}` |" in README, s.name
        assert s.flag in help_text and s.env in help_text, s.name


def test_every_jsonld_key_is_documented():
    context = json.loads((PROJECT_ROOT / "ontology" / "context" / "v1.jsonld").read_text(encoding="utf-8"))
    keys = [k for k in context["@context"] if not k.startswith("@")]
    assert len(keys) > 40
    for key in keys:
        assert f"`{key}`" in README, key


def test_ci_runs_the_readme_test_command():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "pip install -e '.[test]' && python -m pytest"
    assert command in README
    assert ci.strip().splitlines()[-1] == command


def test_environment_variables_configure_the_server(monkeypatch):
    from ljkg.settings import Settings

    monkeypatch.setenv("LJKG_ROW_LIMIT", "7")
    monkeypatch.setenv("LJKG_ALLOW_REMOTE", "yes")
    s = Settings.from_env()
    assert s.row_limit == 7 and s.allow_remote is True
    assert Settings.from_env(row_limit=9).row_limit == 9  # a flag beats the variable


def test_bad_setting_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LJKG_PORT", "eighty")
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "LJKG_PORT" in result.output and "eighty" in result.output
