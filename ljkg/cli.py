"""The `ljkg` command: serve, validate, load, dump, check-metadata. Thin: each command parses flags and
calls one module."""

from __future__ import annotations

import sys

import click

from .settings import SETTINGS, Settings


def settings_options(func):
    """Add one click option per registered setting, with its environment variable shown in --help."""
    for s in reversed(SETTINGS):
        if s.type is bool:
            opt = click.option(s.flag + "/" + s.flag.replace("--", "--no-"), s.name, default=None,
                               envvar=s.env, show_envvar=True, help=f"{s.help} [default: {s.default}]")
        else:
            opt = click.option(s.flag, s.name, type=s.type, default=None, envvar=s.env, show_envvar=True,
                               help=f"{s.help} [default: {s.default or 'see text'}]")
        func = opt(func)
    return func


def build_settings(options: dict) -> Settings:
    try:
        return Settings.from_env({}, **options)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.group()
@click.version_option(package_name="ljkg")
def main() -> None:
    """Ljubljana's international cultural cooperation as linked open data."""


@main.command()
@settings_options
def serve(**options) -> None:
    """Load, validate and serve the dataset with a production WSGI server (waitress)."""
    from .serving import run

    sys.exit(run(build_settings(options)))


@main.command()
@settings_options
@click.option("--format", "fmt", type=click.Choice(["text", "turtle"]), default="text",
              help="text: a readable report; turtle: the SHACL validation report graph.")
def validate(fmt: str, **options) -> None:
    """Validate ontology + data with the shapes; exit 0 conforms, 1 violations, 2 load error."""
    from .loading import LoadError, load
    from .validation import render_text, validate_graph

    settings = build_settings(options)
    try:
        loaded = load(settings.data_root, settings.base)
    except LoadError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    union = loaded.union()  # once: the shapes check it and the text report counts its classes
    outcome = validate_graph(union, loaded.shapes, *settings.validators)
    if fmt == "turtle":
        click.echo(outcome.report.serialize(format="turtle"))
    else:
        click.echo(render_text(outcome, loaded, union))
    sys.exit(0 if outcome.conforms else 1)


@main.command()
@settings_options
@click.option("--replace", is_flag=True, help="Overwrite the store already in --store DIR.")
def load(replace: bool, **options) -> None:
    """Validate the files, then bulk-load them with their metadata into --store DIR for `serve --store`.

    Exit 0 loaded, 1 violations (nothing written), 2 load or store error.
    """
    import time

    from .checked import StartupRefused, check
    from .loading import LoadError
    from .store.layout import reached
    from .store.oxigraph import write_directory

    settings = build_settings(options)
    if not settings.store:
        raise click.UsageError("give the store folder with --store DIR (or LJKG_STORE)")
    started = time.monotonic()

    def say(message: str) -> None:
        click.echo(message, err=True)

    def validating(message: str) -> None:
        say(message)
        reached("validate", say)  # after the first step of the validation (a no-op unless asked for)

    try:
        checked = check(settings, progress=validating)
        count = write_directory(settings.store, checked.files, checked.namespaces.base,
                                {checked.metadata_graph_iri: checked.metadata}, progress=say, replace=replace)
    except LoadError as exc:
        click.echo(f"error: cannot load the dataset: {exc}", err=True)
        sys.exit(2)
    except StartupRefused as exc:
        click.echo(f"Not loaded: the data does not conform to its shapes.\n\n{exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"Loaded {count:,} quads into {settings.store} in {time.monotonic() - started:.1f} s "
               f"(base {checked.namespaces.base}, version {checked.version}); "
               f"serve it with: ljkg serve --store {settings.store} --base-uri {checked.namespaces.base}")


@main.command()
@settings_options
@click.option("--format", "fmt", default="turtle", help="Dump format: turtle, ntriples, nquads, trig, jsonld.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
def dump(fmt: str, output: str, **options) -> None:
    """Write the whole dataset (as published) in one format."""
    from .dumps import render_dump
    from .publication import build_publication

    pub = build_publication(build_settings(options))
    body = render_dump(pub, fmt)
    with click.open_file(output, "wb") as fh:
        fh.write(body)


@main.command("check-metadata")
@settings_options
@click.option("--base-url", default="", help="Assess the catalogue of the server running at this loopback URL "
              "(default: build the app in this process and ask it without a socket).")
@click.option("--dcat-ap-shapes", type=click.Path(file_okay=False), default="",
              help="Folder of the DCAT-AP 3.0.1 SHACL files [default: tests/vendor/dcat-ap-3.0.1 under --data].")
@click.option("--min", "minimum", type=float, default=None,
              help="Exit 0 from this many points up [default: full marks].")
def check_metadata(base_url: str, dcat_ap_shapes: str, minimum: float | None, **options) -> None:
    """Score the catalogue by the data.europa.eu Metadata Quality Assessment, check by check; exit 1 below
    full marks (or --min), 2 when there is no catalogue to assess."""
    from pathlib import Path

    from .checked import StartupRefused
    from .harvest import NotLoopback, harvest, http_get, in_process_get
    from .loading import LoadError
    from .publication import StoreUnavailable
    from .quality import assess, render

    settings = build_settings(options)
    try:
        get = http_get(base_url) if base_url else in_process_get(settings)
        harvested = harvest(get, settings.base)
    except (NotLoopback, LookupError, OSError, LoadError, StoreUnavailable, StartupRefused) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    shapes = Path(dcat_ap_shapes) if dcat_ap_shapes else settings.data_root / "tests" / "vendor" / "dcat-ap-3.0.1"
    score = assess(harvested.catalogue, harvested.status, shapes)
    click.echo(render(score), nl=False)
    passed = score.full if minimum is None else score.total >= minimum
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
