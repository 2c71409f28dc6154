"""The dataset's release record (``data/releases.toml``): its version number, dates and release notes.

Why a record and not the files' modification times: a fresh clone, a copied folder or a rebuilt container
gives every file a new mtime, so the catalogue would announce a new date (and the dumps change bytes) for the
same content. The record is written by whoever publishes a release and travels with the data, so the same
commit always publishes the same catalogue. Its bytes are part of the dataset version (loading.fingerprint).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

RECORD = Path("data") / "releases.toml"


class ReleaseRecordError(ValueError):
    """The record cannot be read or an entry is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Release:
    version: str
    date: date
    notes: dict[str, str] = field(default_factory=dict)  # language tag -> what changed

    @property
    def moment(self) -> datetime:
        """The release day's start in UTC: what HTTP Last-Modified and dct:modified (as dateTime) need."""
        return datetime.combine(self.date, time(0, 0), tzinfo=UTC)


@dataclass(frozen=True)
class Releases:
    entries: tuple[Release, ...] = ()  # oldest first; empty when the data root has no record

    @property
    def current(self) -> Release | None:
        return self.entries[-1] if self.entries else None

    @property
    def issued(self) -> date | None:
        return self.entries[0].date if self.entries else None

    @property
    def modified(self) -> datetime | None:
        return self.current.moment if self.current else None


def record_path(root: Path) -> Path:
    return Path(root) / RECORD


def read_releases(root: Path) -> Releases:
    """The releases recorded under ``root``; none (and so no dates) when it keeps no record."""
    path = record_path(root)
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Releases()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ReleaseRecordError(f"{path}: {exc}") from exc
    entries = parsed.get("release", [])
    if not isinstance(entries, list) or not entries:
        raise ReleaseRecordError(f"{path}: expected one or more [[release]] entries")
    releases = tuple(_entry(path, number, entry) for number, entry in enumerate(entries, 1))
    versions = [r.version for r in releases]
    if len(set(versions)) != len(versions):
        raise ReleaseRecordError(f"{path}: a version is recorded twice ({', '.join(versions)})")
    for earlier, later in zip(releases, releases[1:], strict=False):
        if later.date < earlier.date:
            raise ReleaseRecordError(f"{path}: release {later.version} is dated before {earlier.version}; "
                                     "list releases oldest first")
    return Releases(releases)


def _entry(path: Path, number: int, entry: object) -> Release:
    where = f"{path}: release {number}"
    if not isinstance(entry, dict):
        raise ReleaseRecordError(f"{where}: expected a table")
    version, day, notes = entry.get("version"), entry.get("date"), entry.get("notes", {})
    if not isinstance(version, str) or not version.strip():
        raise ReleaseRecordError(f"{where}: 'version' must be a non-empty string")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ReleaseRecordError(f"{where} ({version}): 'date' must be a date such as 2026-11-26")
    if not isinstance(notes, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in notes.items()):
        raise ReleaseRecordError(f"{where} ({version}): 'notes' must map language tags to text (notes.en = \"…\")")
    return Release(version.strip(), day, dict(notes))
