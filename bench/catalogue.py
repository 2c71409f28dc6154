"""What the served catalogue costs now that it states the dumps' sizes: `python bench/catalogue.py
[--data DIR] [--requests N]`.

Builds the app in-process on a data root (the embedded dataset by default, or one written by
bench/generate.py), then times the first GET /.well-known/void of the version (which renders the five dumps
to measure them, unless they were downloaded before), the following ones (served from the kept dumps), and
`ljkg check-metadata`'s scoring of that catalogue (the ASK checks, pyshacl with the DCAT-AP shapes, and the
in-process GETs of every access and download URL).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ljkg.app import create_app  # noqa: E402
from ljkg.harvest import harvest  # noqa: E402
from ljkg.publication import build_publication  # noqa: E402
from ljkg.quality import assess  # noqa: E402
from ljkg.settings import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT), help="data root (default: the embedded dataset)")
    parser.add_argument("--requests", type=int, default=50, help="catalogue requests after the first")
    args = parser.parse_args(argv)
    settings = Settings.from_env({}, data=args.data, cache_dir="off")
    started = time.perf_counter()
    client = create_app(settings, build_publication(settings)).test_client()
    print(f"load and validate: {time.perf_counter() - started:.2f} s")

    def get(path: str) -> tuple[int, bytes]:
        response = client.get("/" + path, headers={"Accept": "text/turtle"})
        return response.status_code, response.get_data()

    started = time.perf_counter()
    status, body = get(".well-known/void")
    assert status == 200, status
    print(f"first catalogue request (renders the dumps): {(time.perf_counter() - started) * 1000:.0f} ms, "
          f"{len(body):,} bytes")
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        get(".well-known/void")
        times.append((time.perf_counter() - started) * 1000)
    print(f"later catalogue requests: median {statistics.median(times):.1f} ms over {args.requests}")
    started = time.perf_counter()
    harvested = harvest(get, settings.base)
    score = assess(harvested.catalogue, harvested.status, ROOT / "tests" / "vendor" / "dcat-ap-3.0.1")
    print(f"check-metadata scoring: {time.perf_counter() - started:.2f} s, {score.total:g} / 405 ({score.rating})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
