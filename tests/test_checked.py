"""Validation once per dataset version: reused on a restart, redone when a file, a stated setting or the cache
entry changes, never reused for a refusal, and carried out in a child process whose output still arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TEST_BASE

from ljkg.checked import StartupRefused, check
from ljkg.cli import main
from ljkg.loading import LoadError
from ljkg.publication import build_publication
from ljkg.settings import Settings

BROKEN_GUEST = '\nperson:guest-from-morocco-1 schema:name "X" .\n'


def settings_for(root: Path, cache: Path, **overrides) -> Settings:
    return Settings.from_env({}, data=str(root), base_uri=TEST_BASE, cache_dir=str(cache), **overrides)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.nt")) if cache.is_dir() else []


def test_a_restart_on_unchanged_files_reuses_the_validation(copy: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    first = check(settings_for(copy, cache))
    said: list[str] = []
    second = check(settings_for(copy, cache), progress=said.append)
    assert (first.reused, second.reused) == (False, True)
    assert second.metadata == first.metadata and second.version == first.version
    assert said == [f"validation of version {first.version} reused from {entries(cache)[0]}"]
    assert b"<http://www.w3.org/ns/shacl#conforms>" in second.metadata


def test_a_changed_file_is_validated_again(copy: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    first = check(settings_for(copy, cache))
    (copy / "data" / "icorn.ttl").write_text((copy / "data" / "icorn.ttl").read_text(encoding="utf-8") + "\n# x\n",
                                             encoding="utf-8")
    second = check(settings_for(copy, cache))
    assert not second.reused and second.version != first.version
    assert len(entries(cache)) == 2


def test_a_setting_the_metadata_states_is_part_of_the_key_and_a_serving_one_is_not(copy: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    check(settings_for(copy, cache))
    assert not check(settings_for(copy, cache, row_limit=50)).reused  # the service description states it
    assert check(settings_for(copy, cache, workers=3, query_workers=1)).reused


def test_violations_are_refused_with_the_report_and_not_kept(copy: Path, tmp_path: Path):
    icorn = copy / "data" / "icorn.ttl"
    icorn.write_text(icorn.read_text(encoding="utf-8") + BROKEN_GUEST, encoding="utf-8")
    cache = tmp_path / "cache"
    with pytest.raises(StartupRefused) as refused:
        check(settings_for(copy, cache))
    assert "GuestShape-name" in str(refused.value) and "Resources by class:" in str(refused.value)
    assert entries(cache) == []


def test_validation_shared_out_between_processes_refuses_with_the_same_report(copy: Path, tmp_path: Path):
    """--validation-processes 2: the shapes are validated in processes forked from the (daemon) validating
    child; the refusal names the same violations as one process does."""
    icorn = copy / "data" / "icorn.ttl"
    icorn.write_text(icorn.read_text(encoding="utf-8") + BROKEN_GUEST, encoding="utf-8")
    refusals = []
    for processes in (1, 2):
        with pytest.raises(StartupRefused) as refused:
            check(settings_for(copy, tmp_path / f"cache-{processes}", validation_processes=processes))
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1] and "GuestShape-name" in refusals[1]


def test_validation_shared_out_between_processes_publishes_a_conforming_report(copy: Path, tmp_path: Path):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    said: list[str] = []
    reports = [check(settings_for(copy, tmp_path / f"cache-{n}", validation_processes=n), progress=said.append
                     ).metadata for n in (1, 2)]
    assert isomorphic(*(Graph().parse(data=r, format="nt") for r in reports))
    validated = [line for line in said if line.startswith("validated with SHACL")]
    assert validated[0].startswith("validated with SHACL: conforms")
    assert validated[1].startswith("validated with SHACL in 2 processes: conforms")
    assert b"<http://www.w3.org/ns/shacl#conforms> \"true\"" in reports[1]


def test_a_kept_invalid_verdict_still_refuses_a_start_without_allow_invalid(copy: Path, tmp_path: Path):
    icorn = copy / "data" / "icorn.ttl"
    icorn.write_text(icorn.read_text(encoding="utf-8") + BROKEN_GUEST, encoding="utf-8")
    cache = tmp_path / "cache"
    pub = build_publication(settings_for(copy, cache, allow_invalid=True))
    assert pub.invalid
    pub.store.close()
    assert check(settings_for(copy, cache, allow_invalid=True)).reused
    with pytest.raises(StartupRefused, match="GuestShape-name"):
        build_publication(settings_for(copy, cache))


def test_a_broken_file_is_a_load_error_naming_it(copy: Path, tmp_path: Path):
    (copy / "data" / "like.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(LoadError, match="like.ttl"):
        check(settings_for(copy, tmp_path / "cache"))


@pytest.mark.parametrize("damage", [b"", b"<not n-triples", b"<http://a> <http://b> <http://c> .\n"])
def test_a_damaged_entry_is_validated_again(copy: Path, tmp_path: Path, damage: bytes):
    cache = tmp_path / "cache"
    first = check(settings_for(copy, cache))
    entries(cache)[0].write_bytes(damage)
    again = check(settings_for(copy, cache))
    assert not again.reused and again.metadata == first.metadata
    assert entries(cache)[0].read_bytes() == first.metadata  # and the entry is whole again


def test_the_cache_can_be_turned_off(copy: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    settings = Settings.from_env({}, data=str(copy), base_uri=TEST_BASE, cache_dir="off")
    assert not check(settings).reused and not check(settings).reused
    assert not (tmp_path / "xdg").exists()


def test_an_unwritable_cache_only_costs_time(copy: Path, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    checked = check(settings_for(copy, blocker / "cache"))
    assert not checked.reused and b"conforms" in checked.metadata


def test_load_reports_the_child_progress_then_the_reuse(copy: Path, tmp_path: Path):
    def load(store: str):
        return CliRunner().invoke(main, ["load", "--base-uri", TEST_BASE, "--data", str(copy), "--cache-dir",
                                         str(tmp_path / "cache"), "--store", str(tmp_path / store)])

    first = load("one")
    assert first.exit_code == 0, first.output
    assert "parsed 22 files" in first.output and "validated with SHACL: conforms" in first.output
    second = load("two")
    assert second.exit_code == 0, second.output
    assert "reused from" in second.output and "validated with SHACL" not in second.output


def test_the_same_base_given_or_derived_shares_the_entry(copy: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    derived = Settings.from_env({}, data=str(copy), cache_dir=str(cache))  # http://127.0.0.1:5000/
    check(derived)
    assert check(Settings.from_env({}, data=str(copy), cache_dir=str(cache), base_uri=derived.base)).reused
    assert not check(Settings.from_env({}, data=str(copy), cache_dir=str(cache), port=5001)).reused


def test_the_cache_keeps_the_most_recently_used_entries(copy: Path, tmp_path: Path):
    import os

    cache = tmp_path / "cache"
    cache.mkdir()
    for n in range(20):
        old = cache / f"{n:016x}-000000000000.nt"
        old.write_bytes(b"")
        os.utime(old, (1_000_000 + n, 1_000_000 + n))
    checked = check(settings_for(copy, cache))
    left = entries(cache)
    assert len(left) == 16
    assert [p for p in left if p.name.startswith(checked.version + "-")]  # the new one stays
    assert cache / f"{0:016x}-000000000000.nt" not in left  # the oldest went first
