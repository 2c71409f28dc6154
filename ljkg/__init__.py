"""Ljubljana's international cultural cooperation as linked open data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ljkg")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0+unknown"


def create_app(settings=None):
    """Build the Flask application (imported lazily so the CLI can validate without Flask)."""
    from .app import create_app as _create_app

    return _create_app(settings)


__all__ = ["create_app", "__version__"]
