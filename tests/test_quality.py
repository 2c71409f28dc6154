"""`ljkg check-metadata` and ljkg.quality: the data.europa.eu MQA score of the catalogue as served.

Over HTTP against the real server (conftest's `served`, every store): the command gives full marks and names
every check; a catalogue degraded here loses exactly the points of the check it breaks, so each kind of
check (an ASK over the graph, a URL asked over HTTP) is shown able to fail. The catalogue's Turtle is read
as a person would: one block per subject.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef

from ljkg.cli import main
from ljkg.harvest import harvest, http_get
from ljkg.quality import CHECKS, MAX_POINTS, assess
from ljkg.settings import PROJECT_ROOT

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SHAPES = PROJECT_ROOT / "tests" / "vendor" / "dcat-ap-3.0.1"
LINE = re.compile(r"^\s+(pass|FAIL)\s+(\S+)\s+([\d.]+) / (\d+)", re.MULTILINE)


def check_lines(output: str) -> dict[str, tuple[str, float, int]]:
    return {key: (mark, float(got), int(most)) for mark, key, got, most in LINE.findall(output)}


def points(score) -> dict[str, float]:
    return {r.check.key: r.points for r in score.results}


@pytest.fixture(scope="module")
def harvested(served):
    return harvest(http_get(served.base), served.base)


def test_the_served_catalogue_gets_full_marks_check_by_check(served):
    result = CliRunner().invoke(main, ["check-metadata", "--base-url", served.base])
    assert result.exit_code == 0, result.output
    lines = check_lines(result.output)
    assert set(lines) == {c.key for c in CHECKS}
    assert all(mark == "pass" and got == most for mark, got, most in lines.values()), result.output
    assert sum(most for _m, _g, most in lines.values()) == MAX_POINTS == 405
    assert f"Total: {MAX_POINTS} / {MAX_POINTS} (Excellent)" in result.output
    for dimension in ("Findability: 100 / 100", "Accessibility: 100 / 100", "Interoperability: 110 / 110",
                      "Reusability: 75 / 75", "Contextuality: 20 / 20"):
        assert dimension in result.output


def test_without_keywords_exactly_the_keyword_points_are_lost(harvested):
    degraded = Graph() + harvested.catalogue
    for dataset in degraded.subjects(predicate=DCAT.distribution):
        degraded.remove((dataset, DCAT.keyword, None))
    score = assess(degraded, harvested.status, SHAPES)
    lost = {key: p for key, p in points(score).items() if p < next(c.points for c in CHECKS if c.key == key)}
    assert lost == {"keyword": 0}
    assert score.total == MAX_POINTS - 30 and not score.full


def test_an_access_url_that_answers_404_loses_its_share_of_the_points(served, harvested):
    degraded = Graph() + harvested.catalogue
    first = sorted(degraded.subjects(DCAT.accessURL, None))[0]
    degraded.set((first, DCAT.accessURL, URIRef(served.url("dataset/dump.missing"))))
    score = assess(degraded, harvested.status, SHAPES)
    result = next(r for r in score.results if r.check.key == "access-url")
    assert (result.passed, result.population) == (result.population - 1, result.population)
    assert "404" in result.note
    assert score.total == pytest.approx(MAX_POINTS - 50 / result.population)


def test_a_shacl_violation_costs_the_dcat_ap_points(harvested):
    degraded = Graph() + harvested.catalogue
    for dataset in degraded.subjects(predicate=DCAT.distribution):
        degraded.remove((dataset, URIRef("http://purl.org/dc/terms/description"), None))  # mandatory
    score = assess(degraded, harvested.status, SHAPES)
    assert points(score)["dcat-ap"] == 0 and score.total == MAX_POINTS - 30


def test_a_minimum_below_the_score_passes_and_above_fails(served):
    runner = CliRunner()
    assert runner.invoke(main, ["check-metadata", "--base-url", served.base, "--min", "400"]).exit_code == 0
    assert runner.invoke(main, ["check-metadata", "--base-url", served.base, "--min", "406"]).exit_code == 1


def test_a_base_url_off_this_machine_is_refused_before_any_request():
    result = CliRunner().invoke(main, ["check-metadata", "--base-url", "http://192.0.2.1/"])
    assert result.exit_code == 2
    assert "loopback" in result.output and "192.0.2.1" in result.output


def test_no_server_at_the_base_url_is_exit_2_with_a_message():
    result = CliRunner().invoke(main, ["check-metadata", "--base-url", "http://127.0.0.1:1/"])
    assert result.exit_code == 2 and "error:" in result.output and "Traceback" not in result.output


def test_urls_not_under_our_base_are_never_fetched(harvested):
    assert harvested.status("http://192.0.2.1/dump.ttl") == "not under our base IRI, not fetched"


def test_in_process_without_a_server_gives_the_same_score():
    result = CliRunner().invoke(main, ["check-metadata"])
    assert result.exit_code == 0, result.output
    assert f"Total: {MAX_POINTS} / {MAX_POINTS} (Excellent)" in result.output


@pytest.mark.parametrize("path", [".well-known/void", "catalogue"])
def test_the_catalogue_turtle_states_each_subject_once(served, http, path):
    response = http.get(served.url(path), headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    statements = [line for line in response.text.splitlines() if line and not line[0].isspace()
                  and not line.startswith("@prefix")]
    graph = Graph().parse(data=response.text, format="turtle")
    assert len(statements) == len(set(graph.subjects())), "each subject is one block (s p o ; p o .)"


def test_byte_sizes_are_the_sizes_of_the_dumps(harvested, http):
    sizes = dict(harvested.catalogue.subject_objects(DCAT.byteSize))
    assert len(sizes) == 5
    for distribution, size in sizes.items():
        url = harvested.catalogue.value(distribution, DCAT.downloadURL)
        assert len(http.get(str(url), timeout=30).content) == int(size), url


def test_the_contact_point_is_the_department_with_no_invented_address(harvested):
    graph = harvested.catalogue
    contact = next(graph.objects(None, DCAT.contactPoint))
    assert set(graph.objects(contact, VCARD.fn)) == {
        Literal("Department for Culture, City Municipality of Ljubljana", lang="en"),
        Literal("Oddelek za kulturo, Mestna občina Ljubljana", lang="sl")}
    assert graph.value(contact, VCARD.hasURL) == URIRef("https://www.ljubljana.si/")
    assert graph.value(contact, VCARD.hasEmail) is None and graph.value(contact, VCARD.hasTelephone) is None



def hostile_server(kind: str):
    import socket
    import threading
    import time

    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    if kind == "trickle":
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: 100000\r\n\r\n")
                        for _ in range(100):
                            conn.sendall(b"#")
                            time.sleep(0.5)
                    elif kind == "flood":
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\n\r\n")
                        for _ in range(40):
                            conn.sendall(b"# " + b"x" * (1 << 20) + b"\n")
                    else:  # valid Turtle, but no catalogue of ours
                        body = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nContent-Length: "
                                     + str(len(body)).encode() + b"\r\n\r\n" + body)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener


@pytest.mark.parametrize("kind, words", [("trickle", "within 3 s"), ("flood", "more than 16 MB"),
                                         ("stranger", "no dcat:Dataset")])
def test_a_loopback_server_that_is_not_ours_is_one_line_and_exit_2(kind, words):
    from ljkg.harvest import harvest as read_catalogue

    listener = hostile_server(kind)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        with pytest.raises((OSError, LookupError)) as refused:
            read_catalogue(http_get(base, timeout=3.0), base)
        assert words in str(refused.value) and "\n" not in str(refused.value)
        if kind == "stranger":
            result = CliRunner().invoke(main, ["check-metadata", "--base-url", base])
            assert result.exit_code == 2 and result.output.count("\n") == 1 and words in result.output
    finally:
        listener.close()


def test_an_unreachable_port_is_named_in_one_line():
    result = CliRunner().invoke(main, ["check-metadata", "--base-url", "http://127.0.0.1:1/"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "nothing answers at http://127.0.0.1:1/" in result.output and "Errno" not in result.output
    out_of_range = CliRunner().invoke(main, ["check-metadata", "--base-url", "http://127.0.0.1:99999/"])
    assert out_of_range.exit_code == 2 and out_of_range.output.count("\n") == 1
