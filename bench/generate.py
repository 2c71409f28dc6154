"""Deterministic synthetic knowledge graphs of any size, shaped like the real one, for load and query benchmarks.

The real graph is small (about 1,500 triples): too small to show how loading, SHACL validation, the SPARQL
endpoint or the pages behave on a graph of a million triples. This script writes a *data root* that the
loader (ljkg/loading.py) and every command accept exactly like the project root:

    python bench/generate.py --triples 1m --seed 1 --out /tmp/ljkg-1m
    ljkg validate --data /tmp/ljkg-1m
    ljkg serve --data /tmp/ljkg-1m

The root holds copies of the project's ontology/, shapes/, queries/ and source/, the real data/*.ttl
unchanged, and synthetic files data/generated-0001.ttl, ... (about 250,000 triples each), each with its
synthetic source text source/generated-0001.sl.txt. The synthetic part repeats what the real data does, in
similar proportions: municipalities with their cities and units, city networks (some of them networks of
cities of refuge) with forums, founders, former names and member counts, memberships and forum
participations with OWL-Time intervals and instants, hosted guests, groups and residents, held and planned
events, anniversaries and exhibitions, sl+en labels, Wikidata/GeoNames/EU links (synthetic identifiers of
the right syntax for synthetic places), and Web Annotation passages: every fact is prov:wasDerivedFrom a
sentence whose offsets point into the generated text. It conforms to shapes/.

--triples is the number of distinct triples of ontology + data together (10k, 100k, 1m, 10m, or an
integer); the result lands within about 60 triples of it (small blocks fill the last stretch). The same
--seed and size give byte-identical files (one random.Random(seed) stream, nothing ordered by hash); another
seed gives other data. Files are written as Turtle text while generating, so memory stays bounded. Progress
goes to stderr; stdout gets one summary line: ``triples=N generated=N files=N seconds=S out=DIR``.
"""

from __future__ import annotations

import argparse
import datetime
import random
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ljkg.iris import OWN_PREFIXES, VOCAB_PREFIXES  # noqa: E402

COPIED = ("ontology", "shapes", "queries", "source")
WRITTEN = (*COPIED, "data")
MARKER = ".ljkg-synthetic"
CHUNK_TRIPLES = 250_000
COUNT_BASE = "http://ljkg.invalid/"  # any base will do for counting the real triples
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
PREFIXES = ("ljo", "organisation", "unit", "place", "country", "person", "group", "membership", "name", "count",
            "hosting", "residence", "participation", "event", "interval", "instant", "src", "rdf", "rdfs", "owl",
            "xsd", "skos", "skosxl", "dcterms", "org", "time", "prov", "schema", "oa", "foaf", "wd", "gn", "euc",
            "eulang", "geometry", "geo")


def parse_size(text: str) -> int:
    """'10k', '1m', '2.5M', '1_000_000' or '250000' as a number of triples."""
    value = text.strip().lower().replace("_", "")
    if value in SIZES:
        return SIZES[value]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", value)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (10k, 100k, 1m, 10m or an integer)")
    number = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    return int(number)


# --------------------------------------------------------------------------------------------------------
# Turtle terms
# --------------------------------------------------------------------------------------------------------

def lit(text: str, lang: str | None = None) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"@{lang}' if lang else f'"{body}"'


def year(y: int) -> str:
    return f'"{y}"^^xsd:gYear'


def year_month(y: int, m: int) -> str:
    return f'"{y}-{m:02d}"^^xsd:gYearMonth'


def day(d: datetime.date) -> str:
    return f'"{d.isoformat()}"^^xsd:date'


def join_sl(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " in " + items[-1]


def join_en(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------------------------------------
# Fixed tables: countries (real identifiers), real places and networks of data/, words for names
# --------------------------------------------------------------------------------------------------------

# key, Slovenian name, English name, Wikidata item, EU country code. Host countries lie in Europe; guests come
# from the others. Countries already in data/places.ttl are referred to, not repeated.
HOST_COUNTRIES = [
    ("slovenia", "Slovenija", "Slovenia", 215, "SVN"), ("france", "Francija", "France", 142, "FRA"),
    ("hungary", "Madžarska", "Hungary", 28, "HUN"), ("poland", "Poljska", "Poland", 36, "POL"),
    ("croatia", "Hrvaška", "Croatia", 224, "HRV"), ("bulgaria", "Bolgarija", "Bulgaria", 219, "BGR"),
    ("czechia", "Češka", "Czechia", 213, "CZE"), ("serbia", "Srbija", "Serbia", 403, "SRB"),
    ("austria", "Avstrija", "Austria", 40, "AUT"), ("germany", "Nemčija", "Germany", 183, "DEU"),
    ("italy", "Italija", "Italy", 38, "ITA"), ("spain", "Španija", "Spain", 29, "ESP"),
    ("portugal", "Portugalska", "Portugal", 45, "PRT"), ("netherlands", "Nizozemska", "Netherlands", 55, "NLD"),
    ("belgium", "Belgija", "Belgium", 31, "BEL"), ("switzerland", "Švica", "Switzerland", 39, "CHE"),
    ("sweden", "Švedska", "Sweden", 34, "SWE"), ("norway", "Norveška", "Norway", 20, "NOR"),
    ("denmark", "Danska", "Denmark", 35, "DNK"), ("finland", "Finska", "Finland", 33, "FIN"),
    ("ireland", "Irska", "Ireland", 27, "IRL"), ("united-kingdom", "Združeno kraljestvo", "United Kingdom", 145, "GBR"),
    ("greece", "Grčija", "Greece", 41, "GRC"), ("romania", "Romunija", "Romania", 218, "ROU"),
    ("slovakia", "Slovaška", "Slovakia", 214, "SVK"), ("lithuania", "Litva", "Lithuania", 37, "LTU"),
    ("latvia", "Latvija", "Latvia", 211, "LVA"), ("estonia", "Estonija", "Estonia", 191, "EST"),
    ("bosnia-and-herzegovina", "Bosna in Hercegovina", "Bosnia and Herzegovina", 225, "BIH"),
    ("montenegro", "Črna gora", "Montenegro", 236, "MNE"),
    ("north-macedonia", "Severna Makedonija", "North Macedonia", 221, "MKD"),
    ("albania", "Albanija", "Albania", 222, "ALB"), ("iceland", "Islandija", "Iceland", 189, "ISL"),
    ("luxembourg", "Luksemburg", "Luxembourg", 32, "LUX"), ("malta", "Malta", "Malta", 233, "MLT"),
    ("cyprus", "Ciper", "Cyprus", 229, "CYP"),
]
GUEST_COUNTRIES = [
    ("morocco", "Maroko", "Morocco", 1028, "MAR"), ("ethiopia", "Etiopija", "Ethiopia", 115, "ETH"),
    ("iraq", "Irak", "Iraq", 796, "IRQ"), ("iran", "Iran", "Iran", 794, "IRN"),
    ("syria", "Sirija", "Syria", 858, "SYR"),
    ("russia", "Rusija", "Russia", 159, "RUS"), ("egypt", "Egipt", "Egypt", 79, "EGY"),
    ("tunisia", "Tunizija", "Tunisia", 948, "TUN"), ("algeria", "Alžirija", "Algeria", 262, "DZA"),
    ("afghanistan", "Afganistan", "Afghanistan", 889, "AFG"), ("pakistan", "Pakistan", "Pakistan", 843, "PAK"),
    ("eritrea", "Eritreja", "Eritrea", 986, "ERI"), ("sudan", "Sudan", "Sudan", 1049, "SDN"),
    ("yemen", "Jemen", "Yemen", 805, "YEM"), ("cuba", "Kuba", "Cuba", 241, "CUB"),
    ("venezuela", "Venezuela", "Venezuela", 717, "VEN"), ("china", "Kitajska", "China", 148, "CHN"),
    ("bangladesh", "Bangladeš", "Bangladesh", 902, "BGD"), ("uganda", "Uganda", "Uganda", 1036, "UGA"),
    ("burundi", "Burundi", "Burundi", 967, "BDI"), ("cameroon", "Kamerun", "Cameroon", 1009, "CMR"),
    ("azerbaijan", "Azerbajdžan", "Azerbaijan", 227, "AZE"),
    ("saudi-arabia", "Savdska Arabija", "Saudi Arabia", 851, "SAU"),
    ("lebanon", "Libanon", "Lebanon", 822, "LBN"), ("somalia", "Somalija", "Somalia", 1045, "SOM"),
    ("zimbabwe", "Zimbabve", "Zimbabwe", 954, "ZWE"), ("nigeria", "Nigerija", "Nigeria", 1033, "NGA"),
    ("vietnam", "Vietnam", "Vietnam", 881, "VNM"), ("myanmar", "Mjanmar", "Myanmar", 836, "MMR"),
    ("libya", "Libija", "Libya", 1016, "LBY"), ("belarus", "Belorusija", "Belarus", 184, "BLR"),
    ("turkey", "Turčija", "Turkey", 43, "TUR"), ("ukraine", "Ukrajina", "Ukraine", 212, "UKR"),
]
# Cities of data/places.ttl other than Ljubljana: where presentations may take place.
REAL_CITIES = [("place:lille", "Lille", "Lille"), ("place:budapest", "Budimpešta", "Budapest"),
               ("place:warsaw", "Varšava", "Warsaw"), ("place:pula", "Pulj", "Pula"),
               ("place:sofia", "Sofija", "Sofia"), ("place:prague", "Praga", "Prague"),
               ("place:belgrade", "Beograd", "Belgrade"), ("place:moscow", "Moskva", "Moscow"),
               ("place:vienna", "Dunaj", "Vienna")]

CITY_START = ["Bel", "Nov", "Star", "Gor", "Dol", "Vel", "Mal", "Kra", "Lis", "Bre", "Ost", "Tre", "Mar", "Sol",
              "Rav", "Zal", "Pol", "Dub", "Kam", "Ros", "Len", "Vir", "Hol", "Tor", "San", "Fel", "Mor", "Ard"]
CITY_MIDDLE = ["o", "a", "e", "i", "", "an", "en", "ar"]
CITY_END = ["grad", "burg", "vec", "nik", "polje", "dor", "mir", "stad", "ovo", "ica", "ava", "ec", "ing", "heim",
            "berg", "ona", "ano", "ville", "borg", "sk", "ach", "ore"]
ADJECTIVES = [("evropskih", "European"), ("sredozemskih", "Mediterranean"), ("srednjeevropskih", "Central European"),
              ("podonavskih", "Danubian"), ("alpskih", "Alpine"), ("baltskih", "Baltic"), ("svetovnih", "World"),
              ("jadranskih", "Adriatic"), ("severnih", "Northern"), ("obmejnih", "Border")]
THEMES = [("kulturo", "Culture"), ("knjigo", "the Book"), ("glasbo", "Music"), ("kulturno dediščino", "Heritage"),
          ("gledališče", "Theatre"), ("sodobno umetnost", "Contemporary Art"), ("ples", "Dance"), ("film", "Film"),
          ("mlade", "Youth"), ("ustvarjalnost", "Creativity"), ("svobodo izražanja", "Freedom of Expression")]
FIRST_NAMES = ["Ana", "Marko", "Eva", "Luka", "Nina", "Peter", "Maja", "Jan", "Sara", "Tomaž", "Ines", "Pierre",
               "Hanna", "Jorge", "Ingrid", "Paolo", "Zofia", "Milan", "Clara", "Erik"]
SURNAMES = ["Novak", "Horvat", "Kovač", "Dubois", "Schmidt", "Rossi", "Nowak", "Jensen", "Silva", "Popescu",
            "Berg", "Moreau", "Weber", "Costa", "Varga", "Lund", "Marin", "Keller"]
FORMER_START = ["Les Rencontres", "Rete", "Forum", "Cercle", "Verbund", "Carrefour", "Alliance", "Réseau"]
FORMER_END = ["des villes", "delle città", "der Städte", "culturel", "européen", "du livre", "Nord", "Sud"]
# Slovenian job title, English job title, whether the Slovenian form states that she is a woman.
JOBS = [("dramaturginja", "dramaturge", True), ("pisatelj", "writer", False), ("pesnica", "poet", True),
        ("novinar", "journalist", False), ("skladateljica", "composer", True), ("slikar", "painter", False),
        ("prevajalka", "translator", True), ("karikaturist", "cartoonist", False), ("glasbenik", "musician", False),
        ("blogerka", "blogger", True), ("režiserka", "film director", True), ("esejist", "essayist", False)]
GALLERIES = ["Kresija", "Arsenal", "Stolp", "Mlin", "Dvor", "Pristan", "Kapela", "Vila", "Magazin", "Loža"]
TITLE_START = ["Glasovi", "Besede", "Sledi", "Podobe", "Zgodbe", "Pisma", "Meje", "Spomini", "Sence", "Karte"]
TITLE_END = ["izgnanstva", "svobode", "tišine", "doma", "poti", "upanja", "pregnanstva", "drugega kraja", "morja",
             "noči"]


@dataclass
class Country:
    iri: str
    sl: str
    en: str
    qid: int
    code: str


@dataclass
class Network:
    iri: str
    slug: str
    abbr: str
    refuge: bool
    founded: int
    forum: str | None = None


@dataclass
class City:
    iri: str
    sl: str
    en: str


# --------------------------------------------------------------------------------------------------------
# Resources and passages of one block, written as Turtle when the block is done
# --------------------------------------------------------------------------------------------------------

class Res:
    """One subject and its predicate-object pairs (each pair once); provenance added by ``derive``."""

    __slots__ = ("iri", "pairs", "prov")

    def __init__(self, iri: str, types: tuple[str, ...], sl: str, en: str) -> None:
        self.iri = iri
        self.pairs: list[tuple[str, str]] = [("a", t) for t in types]
        self.pairs += [("rdfs:label", lit(sl, "sl")), ("rdfs:label", lit(en, "en"))]
        self.prov: list[str] = []

    def add(self, predicate: str, obj: str) -> Res:
        self.pairs.append((predicate, obj))
        return self

    def derive(self, *sentences: str) -> Res:
        for s in sentences:
            if s not in self.prov:
                self.prov.append(s)
        return self


class Chunk:
    """One data/generated-NNNN.ttl with its source text source/generated-NNNN.sl.txt (one document)."""

    def __init__(self, out: Path, number: int) -> None:
        self.number = number
        self.name = f"generated-{number:04d}"
        self.ttl_path = out / "data" / f"{self.name}.ttl"
        self.ttl: TextIO = open(self.ttl_path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self.txt: TextIO = open(out / "source" / f"{self.name}.sl.txt", "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        self.doc = f"src:{self.name}"
        self.file = f"<source/{self.name}.sl.txt>"
        self.passages = f"source/{self.name}/"
        self.triples = 0
        self.chars = 0
        self.bytes = 0
        self.sections: list[str] = []
        self.sentences = 0
        self.publisher: str | None = None
        self.ttl.write(f"# Synthetic data written by bench/generate.py (not facts): chunk {number}.\n"
                       f"# Its source text: source/{self.name}.sl.txt.\n\n")
        self.ttl.write("".join(f"@prefix {p}: <{prefix_iri(p)}> .\n" for p in PREFIXES) + "\n")
        self.text(f"Mednarodno sodelovanje (sintetično besedilo {number})")

    def text(self, s: str) -> None:
        self.txt.write(s)
        self.chars += len(s)
        self.bytes += len(s.encode("utf-8"))

    def write(self, resources: list[Res]) -> None:
        out = []
        for r in resources:
            pairs = r.pairs + [("prov:wasDerivedFrom", s) for s in r.prov]
            self.triples += len(pairs)
            out.append(r.iri + " " + " ;\n    ".join(f"{p} {o}" for p, o in pairs) + " .\n")
        self.ttl.write("".join(out))

    def close(self) -> None:
        n = self.number
        doc = Res(self.doc, ("schema:CreativeWork", "prov:Entity"),
                  f"Sintetično besedilo {n} (bench/generate.py)", f"Synthetic text {n} (bench/generate.py)")
        doc.add("dcterms:title", lit(f"Mednarodno sodelovanje (sintetično besedilo {n})", "sl"))
        doc.add("dcterms:title", lit(f"International cooperation (synthetic text {n})", "en"))
        doc.add("dcterms:description", lit("Izmišljeno besedilo za preskuse zmogljivosti; ne navaja dejstev.", "sl"))
        doc.add("dcterms:description", lit("An invented text for performance tests; it states no facts.", "en"))
        doc.add("dcterms:publisher", self.publisher or "organisation:mol")
        doc.add("dcterms:language", "eulang:SLV")
        doc.add("schema:encoding", self.file)
        for section in self.sections:
            doc.add("dcterms:hasPart", section)
        media = Res(self.file, ("schema:MediaObject",), f"Datoteka sintetičnega besedila {n} (UTF-8)",
                    f"File of synthetic text {n} (UTF-8)")
        media.add("schema:name", lit(f"{self.name}.sl.txt"))
        media.add("schema:encodingFormat", lit("text/plain; charset=utf-8"))
        media.add("schema:contentSize", lit(f"{self.bytes} bytes")).add("schema:encodesCreativeWork", self.doc)
        self.write([doc, media])
        self.ttl.close()
        self.txt.close()


def prefix_iri(prefix: str) -> str:
    return OWN_PREFIXES[prefix] if prefix in OWN_PREFIXES else VOCAB_PREFIXES[prefix]


class Section:
    """A section of the chunk's text: a heading and sentences; offsets are characters into the file."""

    def __init__(self, chunk: Chunk, heading_sl: str, heading_en: str) -> None:
        self.chunk = chunk
        chunk.sections.append(f"<{chunk.passages}section-{len(chunk.sections) + 1:04d}>")
        self.iri = chunk.sections[-1]
        self.number = len(chunk.sections)
        self.heading = (heading_sl, heading_en)
        self.start = chunk.chars + 2  # after the blank line that separates sections
        self.parts = [heading_sl, "\n\n"]
        self.cursor = self.start + len(heading_sl) + 2
        self.sentences: list[tuple[str, str, int]] = []  # iri, text, start

    def sentence(self, text: str) -> str:
        if self.sentences:
            self.parts.append(" ")
            self.cursor += 1
        self.chunk.sentences += 1
        iri = f"<{self.chunk.passages}s{self.chunk.sentences:06d}>"
        self.sentences.append((iri, text, self.cursor))
        self.parts.append(text)
        self.cursor += len(text)
        return iri

    def close(self) -> list[Res]:
        """Write the section's text to the file; its passages and selectors as resources."""
        chunk = self.chunk
        body = "".join(self.parts)
        chunk.text("\n\n" + body)
        sl, en = self.heading
        out = passage(chunk, self.iri, "ljo:Section", f"Razdelek {self.number}: {sl}", f"Section {self.number}: {en}",
                      body, self.start, chunk.doc, self.number)
        out[0].add("dcterms:title", lit(sl, "sl")).add("dcterms:title", lit(en, "en"))
        for iri, _text, _start in self.sentences:
            out[0].add("dcterms:hasPart", iri)
        for iri, text, start in self.sentences:
            number = int(iri.rsplit("/s", 1)[1][:-1])
            out += passage(chunk, iri, "ljo:Sentence", f"Stavek {number} sintetičnega besedila {chunk.number}",
                           f"Sentence {number} of synthetic text {chunk.number}", text, start, self.iri, number)
        return out


def passage(chunk: Chunk, iri: str, cls: str, sl: str, en: str, text: str, start: int, part_of: str,
            position: int) -> list[Res]:
    end = start + len(text)
    value = lit(text, "sl")
    position_iri, quote_iri = iri[:-1] + "-position>", iri[:-1] + "-quote>"
    p = Res(iri, (cls,), sl, en)
    p.add("rdf:value", value).add("oa:hasSource", chunk.file).add("oa:hasSelector", position_iri)
    p.add("oa:hasSelector", quote_iri).add("dcterms:isPartOf", part_of).add("schema:position", str(position))
    pos = Res(position_iri, ("oa:TextPositionSelector",), f"Položaj: {sl} (znaki {start}–{end})",
              f"Position: {en} (characters {start}–{end})")
    pos.add("oa:start", str(start)).add("oa:end", str(end))
    quote = Res(quote_iri, ("oa:TextQuoteSelector",), f"Navedek: {sl}", f"Quote: {en}")
    quote.add("oa:exact", value)
    return [p, pos, quote]


# --------------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------------

@dataclass
class Generator:
    rng: random.Random
    known: set[str]  # IRIs (prefixed) already typed in the real data
    countries: dict[str, Country] = field(default_factory=dict)
    emitted_countries: set[str] = field(default_factory=set)
    networks: list[Network] = field(default_factory=list)
    cities: list[City] = field(default_factory=list)
    synthetic_networks: int = 0
    blocks: int = 0

    def __post_init__(self) -> None:
        for key, sl, en, qid, code in HOST_COUNTRIES + GUEST_COUNTRIES:
            self.countries[key] = Country(f"country:{key}", sl, en, qid, code)
        self.hosts = [self.countries[c[0]] for c in HOST_COUNTRIES]
        self.origins = [self.countries[c[0]] for c in GUEST_COUNTRIES]
        self.networks = [Network("organisation:like", "like", "LIKE", False, 1990),
                         Network("organisation:icorn", "icorn", "ICORN", True, 1994),
                         Network("organisation:eurocities", "eurocities", "Eurocities", False, 1986,
                                 "unit:eurocities-culture-forum")]

    # ---- helpers ----------------------------------------------------------------------------------------

    def country(self, c: Country, sentence: str, out: list[Res]) -> None:
        """Emit a country the first time a sentence names it (unless the real data has it)."""
        if c.iri in self.known or c.iri in self.emitted_countries:
            return
        self.emitted_countries.add(c.iri)
        r = Res(c.iri, ("schema:Country",), c.sl, c.en)
        r.add("owl:sameAs", f"wd:Q{c.qid}").add("skos:exactMatch", f"euc:{c.code}").derive(sentence)
        out.append(r)

    def instant(self, iri: str, sl: str, en: str, position: tuple[str, str], *sentences: str) -> Res:
        return Res(iri, ("time:Instant",), sl, en).add(*position).derive(*sentences)

    def city_name(self) -> str:
        r = self.rng
        return r.choice(CITY_START) + r.choice(CITY_MIDDLE) + r.choice(CITY_END)

    def person_name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"

    # ---- a network and its section ------------------------------------------------------------------

    def network(self, chunk: Chunk) -> list[Res]:
        r = self.rng
        self.synthetic_networks += 1
        j = self.synthetic_networks
        slug = f"network-{j:05d}"
        iri = f"organisation:{slug}"
        abbr = "".join(r.choice("ABCDEFGHIKLMNOPRSTUVZ") for _ in range(r.randint(3, 5)))
        refuge = r.random() < 0.25
        adj_sl, adj_en = r.choice(ADJECTIVES)
        theme_sl, theme_en = r.choice(THEMES)
        founded = r.randint(1950, 2010)
        seat = self.some_city()
        out: list[Res] = []
        section = Section(chunk, f"Mreža {abbr}", f"The {abbr} network")
        if refuge:
            kind, label_sl, label_en = ("ljo:CitiesOfRefugeNetwork", f"{abbr} – mreža {adj_sl} mest zatočišč",
                                        f"{abbr} – {adj_en} Cities of Refuge Network")
            what_sl, what_en = f"mreža {adj_sl} mest zatočišč", f"a network of {adj_en} cities of refuge"
        else:
            kind, label_sl, label_en = ("ljo:Network", f"{abbr} – mreža {adj_sl} mest za {theme_sl}",
                                        f"{abbr} – {adj_en} Cities for {theme_en}")
            what_sl, what_en = f"mreža {adj_sl} mest za {theme_sl}", f"a network of {adj_en} cities for {theme_en}"
        net = Res(iri, (kind,), label_sl, label_en).add("skos:altLabel", lit(abbr))
        net.add("dcterms:description", lit(f"{what_sl[0].upper()}{what_sl[1:]} s sedežem v mestu {seat.sl}.", "sl"))
        net.add("dcterms:description", lit(f"{what_en[0].upper()}{what_en[1:]}, seated in {seat.en}.", "en"))
        net.add("schema:location", seat.iri).add("schema:foundingDate", year(founded))
        founders: list[Res] = []
        roll = r.random()
        if refuge or roll < 0.5:
            org_sl = f"Mednarodno združenje {r.choice(SURNAMES)}"
            founder_org = Res(f"organisation:{slug}-founder", ("org:Organization",), org_sl,
                              f"{org_sl.split()[-1]} International Association")
            founder_org.add("skos:altLabel", lit("MZ" + abbr))
            founders.append(founder_org)
            initiative = f" na pobudo organizacije {org_sl}"
            if refuge or roll < 0.2:
                name = self.person_name()
                person = Res(f"person:{slug}-founder", ("schema:Person",), name, name)
                if r.random() < 0.7:
                    person.add("owl:sameAs", f"wd:Q{800_000_000 + j}")
                founders.insert(0, person)
                initiative = f" na pobudo {name} in organizacije {org_sl}"
        else:
            initiative = ""
        for f in founders:
            net.add("schema:founder", f.iri)
        s1 = section.sentence(f"Mreža {abbr} je začela delovati leta {founded}{initiative} kot {what_sl}.")
        s2 = section.sentence(f"Sedež mreže {abbr} je v mestu {seat.sl}.")
        net.derive(s1, s2)
        for f in founders:
            f.derive(s1)
        out += [net, *founders]
        former = r.random() < 0.3
        counted = r.random() < 0.8
        if former or counted:
            ends = r.randint(founded + 1, 2022)
            members = r.randint(2, 40) * 10
            # the source states counts as "okrog" (about) or "preko" (over): always with their precision
            qualifier = r.choice(["ljo:Approximately", "ljo:MoreThan"]) if counted else None
            how = {"ljo:Approximately": "okrog ", "ljo:MoreThan": "preko ", None: ""}[qualifier]
            former_name = f"{r.choice(FORMER_START)} {r.choice(FORMER_END)}"
            if former and counted:
                text = f"V mrežo, ki se je do leta {ends} imenovala {former_name}, je včlanjenih {how}{members} mest."
            elif former:
                text = f"Mreža {abbr} se je do leta {ends} imenovala {former_name}."
            else:
                text = f"V mrežo {abbr} je včlanjenih {how}{members} mest."
            s3 = section.sentence(text)
            net.derive(s3)
            if former:
                name_iri, interval_iri = f"name:{slug}-former", f"interval:{slug}-former-name"
                end_iri = f"instant:{slug}-former-name-ends"
                net.add("ljo:formerName", name_iri)
                out.append(Res(name_iri, ("ljo:FormerName",), f"{former_name} (nekdanje ime mreže {abbr}, do {ends})",
                               f"{former_name} (former name of {abbr}, until {ends})")
                           .add("skosxl:literalForm", lit(former_name)).add("time:hasTime", interval_iri).derive(s3))
                out.append(Res(interval_iri, ("time:Interval",), f"Obdobje imena {former_name} (do {ends})",
                               f"Period of the name {former_name} (until {ends})")
                           .add("time:hasEnd", end_iri).derive(s3))
                out.append(self.instant(end_iri, f"Konec imena {former_name} ({ends})",
                                        f"End of the name {former_name} ({ends})", ("time:inXSDgYear", year(ends)), s3))
            if counted:
                count_iri = f"count:{slug}-members"
                net.add("ljo:memberCount", count_iri)
                shown_sl = {"ljo:Approximately": "okrog ", "ljo:MoreThan": "več kot ", None: ""}[qualifier]
                shown_en = {"ljo:Approximately": "about ", "ljo:MoreThan": "more than ", None: ""}[qualifier]
                count = Res(count_iri, ("ljo:MemberCount",), f"Število članov mreže {abbr} ({shown_sl}{members})",
                            f"Number of members of {abbr} ({shown_en}{members})")
                count.add("schema:value", str(members))
                if qualifier:
                    count.add("ljo:qualifier", qualifier)
                count.add("schema:unitText", lit("mesta", "sl")).add("schema:unitText", lit("cities", "en"))
                out.append(count.derive(s3))
        forum = None
        if not refuge and r.random() < 0.5:
            forum = f"unit:{slug}-forum"
            s4 = section.sentence(f"Forum mreže {abbr} za {theme_sl} je namenjen izmenjavi izkušenj; mesto, ki "
                                  "srečanje gosti, predstavi svoje kulturne prakse.")
            unit = Res(forum, ("org:OrganizationalUnit",), f"Forum mreže {abbr} za {theme_sl}",
                       f"{abbr} Forum for {theme_en}")
            unit.add("dcterms:description", lit("Forum za izmenjavo izkušenj; mesto, ki srečanje gosti, predstavi "
                                                 "svoje kulturne prakse.", "sl"))
            unit.add("dcterms:description", lit("A forum for exchanging experience; the city hosting a meeting "
                                                "presents its cultural practices.", "en"))
            out.append(unit.add("org:unitOf", iri).derive(s4))
        self.networks.append(Network(iri, slug, abbr, refuge, founded, forum))
        return out + section.close()

    def some_city(self) -> City:
        """A city already written (one of data/places.ttl or a synthetic one)."""
        pool = len(REAL_CITIES) + len(self.cities)
        i = self.rng.randrange(pool)
        return City(*REAL_CITIES[i]) if i < len(REAL_CITIES) else self.cities[i - len(REAL_CITIES)]

    def other_cities(self, n: int, not_this: str) -> list[City]:
        pool = len(REAL_CITIES) + len(self.cities)
        picks = self.rng.sample(range(pool), min(n + 1, pool))
        cities = [City(*REAL_CITIES[i]) if i < len(REAL_CITIES) else self.cities[i - len(REAL_CITIES)] for i in picks]
        return [c for c in cities if c.iri != not_this][:n]

    # ---- a municipality and its section -------------------------------------------------------------

    def block(self, chunk: Chunk, small: bool = False) -> list[Res]:
        """A municipality, its city, units, memberships, guests and events; a small one (to land on the size)
        has its city, units and one membership only."""
        r = self.rng
        out: list[Res] = []
        while not small and self.synthetic_networks < 1 + self.blocks // 8:
            out += self.network(chunk)
        self.blocks += 1
        k = self.blocks
        m = f"municipality-{k:06d}"
        name = self.city_name()
        abbr = "MO" + name[:2].upper()
        country = r.choice(self.hosts)
        city_iri = f"place:city-{k:06d}"
        org_iri = f"organisation:{m}"
        chunk.publisher = chunk.publisher or org_iri
        section = Section(chunk, f"Mednarodno sodelovanje mesta {name}", f"International cooperation of {name}")

        s = section.sentence(f"Mestna občina {name} ({abbr}) upravlja mesto {name} v državi {country.sl}.")
        org = Res(org_iri, ("org:Organization",), f"Mestna občina {name}", f"City Municipality of {name}")
        org.add("skos:altLabel", lit(abbr)).add("schema:areaServed", city_iri).derive(s)
        city = Res(city_iri, ("schema:City",), name, name).add("schema:containedInPlace", country.iri).derive(s)
        if r.random() < 0.9:
            city.add("owl:sameAs", f"wd:Q{700_000_000 + k}")
            if r.random() < 0.8:
                city.add("owl:sameAs", f"<https://sws.geonames.org/{20_000_000 + k}/>")
        # a made-up point, traced (like the real ones in data/coordinates.ttl) to the coordinates' source
        point = f"geometry:city-{k:06d}"
        city.add("geo:hasGeometry", point)
        wkt = f"POINT({(k * 7) % 360 - 180 + 0.5} {(k * 3) % 170 - 85 + 0.25})"
        geometry = Res(point, ("geo:Geometry",), f"Točka: {name}", f"Point: {name}")
        geometry.add("geo:asWKT", f'"{wkt}"^^geo:wktLiteral').add("prov:wasDerivedFrom", "src:city-coordinates")
        out += [org, city, geometry]
        self.country(country, s, out)

        mu = "MU " + abbr
        s = section.sentence(f"Mestna uprava ({mu}) ima Oddelek za kulturo ter Odsek za mednarodne odnose in protokol.")
        admin = Res(f"unit:{m}-administration", ("org:OrganizationalUnit",), f"Mestna uprava Mestne občine {name}",
                    f"City Administration of the City Municipality of {name}")
        admin.add("skos:altLabel", lit(mu)).add("org:unitOf", org_iri).derive(s)
        culture = Res(f"unit:{m}-culture", ("org:OrganizationalUnit",), f"Oddelek za kulturo Mestne občine {name}",
                      f"Department for Culture of the City Municipality of {name}")
        culture.add("org:unitOf", admin.iri).derive(s)
        international = Res(f"unit:{m}-international", ("org:OrganizationalUnit",),
                            f"Odsek za mednarodne odnose in protokol Mestne občine {name}",
                            f"Section for International Relations and Protocol of the City Municipality of {name}")
        international.add("org:unitOf", org_iri).derive(s)
        out += [admin, culture, international]

        # memberships
        joins = 1 if small else r.choice([1, 2, 2, 3, 3, 4])
        picks = r.sample(range(len(self.networks)), min(joins, len(self.networks)))
        refuge: list[tuple[Network, int, str]] = []
        for i in sorted(picks):
            net = self.networks[i]
            joined = r.randint(max(net.founded, 1980), 2020)
            ended = None if net.refuge or r.random() >= 0.15 else r.randint(joined + 1, 2023)
            ms = f"{m}-{net.slug}"
            if ended:
                s = section.sentence(f"{abbr} je bila od leta {joined} do leta {ended} članica mreže {net.abbr}.")
                since_sl, since_en = f"{joined}–{ended}", f"{joined}–{ended}"
            else:
                s = section.sentence(f"{abbr} je od leta {joined} član mreže {net.abbr}.")
                since_sl, since_en = f"od {joined}", f"since {joined}"
            org.add("org:memberOf", net.iri)
            membership = Res(f"membership:{ms}", ("org:Membership",), f"Članstvo {abbr} v mreži {net.abbr}",
                             f"Membership of {abbr} in {net.abbr}")
            membership.add("org:member", org_iri).add("org:organization", net.iri)
            membership.add("org:memberDuring", f"interval:{ms}-membership").derive(s)
            interval = Res(f"interval:{ms}-membership", ("time:Interval",),
                           f"Obdobje članstva {abbr} v mreži {net.abbr} ({since_sl})",
                           f"Period of {abbr}'s membership in {net.abbr} ({since_en})")
            interval.add("time:hasBeginning", f"instant:{ms}-membership-begins").derive(s)
            out += [membership, interval,
                    self.instant(f"instant:{ms}-membership-begins", f"Začetek članstva {abbr} v mreži {net.abbr} "
                                 f"({joined})", f"Beginning of {abbr}'s membership in {net.abbr} ({joined})",
                                 ("time:inXSDgYear", year(joined)), s)]
            if ended:
                interval.add("time:hasEnd", f"instant:{ms}-membership-ends")
                out.append(self.instant(f"instant:{ms}-membership-ends", f"Konec članstva {abbr} v mreži {net.abbr} "
                                        f"({ended})", f"End of {abbr}'s membership in {net.abbr} ({ended})",
                                        ("time:inXSDgYear", year(ended)), s))
            if net.refuge:
                refuge.append((net, joined, f"membership:{ms}"))

        # participation in forums, and a forum meeting hosted
        forums = [n for n in self.networks if n.forum]
        for i in sorted(r.sample(range(len(forums)), 0 if small else min(r.choice([0, 0, 1, 1, 2]), len(forums)))):
            net = forums[i]
            since = r.randint(max(net.founded, 1990), 2022)
            s = section.sentence(f"Oddelek za kulturo je v dogovoru z Odsekom za mednarodne odnose in protokol leta "
                                 f"{since} začel sodelovanje s forumom mreže {net.abbr}.")
            p = f"{m}-culture-in-{net.slug}-forum"
            culture.add("ljo:participatesIn", net.forum).derive(s)
            international.derive(s)
            part = Res(f"participation:{p}", ("ljo:Participation",),
                       f"Sodelovanje Oddelka za kulturo {abbr} v forumu mreže {net.abbr} (od {since})",
                       f"Participation of {abbr}'s Department for Culture in the {net.abbr} forum (since {since})")
            part.add("org:member", culture.iri).add("org:organization", net.forum)
            part.add("org:memberDuring", f"interval:{p}").add("ljo:inAgreementWith", international.iri).derive(s)
            out += [part,
                    Res(f"interval:{p}", ("time:Interval",), f"Obdobje sodelovanja {abbr} v forumu {net.abbr} "
                        f"(od {since})", f"Period of {abbr}'s participation in the {net.abbr} forum (since {since})")
                    .add("time:hasBeginning", f"instant:{p}-begins").derive(s),
                    self.instant(f"instant:{p}-begins", f"Začetek sodelovanja {abbr} v forumu {net.abbr} ({since})",
                                 f"Beginning of {abbr}'s participation in the {net.abbr} forum ({since})",
                                 ("time:inXSDgYear", year(since)), s)]
            if r.random() < 0.5:
                held = r.randint(since, 2023)
                s = section.sentence(f"Leta {held} je {name} gostilo redno srečanje foruma mreže {net.abbr}.")
                city.derive(s)
                out.append(Res(f"event:{m}-{net.slug}-forum-meeting-{held}", ("schema:Event",),
                               f"Redno srečanje foruma mreže {net.abbr} v mestu {name} ({held})",
                               f"Regular meeting of the {net.abbr} forum in {name} ({held})")
                           .add("schema:organizer", net.forum).add("ljo:hostedBy", city_iri)
                           .add("schema:location", city_iri).add("schema:startDate", year(held))
                           .add("schema:eventStatus", "ljo:EventHeld").derive(s))

        if refuge and not small:
            out += self.refuge(section, m, name, abbr, org_iri, city, refuge)
        if not small and r.random() < 0.8:
            out += self.presentations(section, m, name, mu, city_iri, culture.iri, admin.iri)
        self.cities.append(City(city_iri, name, name))
        return out + section.close()

    def refuge(self, section: Section, m: str, name: str, abbr: str, org_iri: str, city: Res,
               memberships: list[tuple[Network, int, str]]) -> list[Res]:
        """Guests hosted since the city joined its network(s) of refuge, a resident, an anniversary exhibition."""
        r = self.rng
        out: list[Res] = []
        net, joined, membership = max(memberships, key=lambda t: t[1])
        anniversary = None
        choices = [n for n in (5, 10, 15, 20, 25) if max(joined + 1, 2012) <= joined + n <= 2024]
        if choices and r.random() < 0.6:
            anniversary = r.choice(choices)
            written = joined + anniversary
        else:
            written = r.randint(max(joined + 1, 2012), 2024)
        month = r.randint(1, 12)
        written_iri = f"instant:{m}-refuge-section-written"
        written_res = self.instant(written_iri,
                                   f"Nastanek razdelka o mestu zatočišču {name} (okrog {month}. {written})",
                                   f"Writing of the city-of-refuge section on {name} (about {written}-{month:02d})",
                                   ("time:inXSDgYearMonth", year_month(written, month)))
        written_res.add("ljo:qualifier", "ljo:Approximately")
        out.append(written_res)
        guest = 0
        for h in range(1, r.choice([1, 1, 2, 3]) + 1):
            origin = r.choice(self.origins)
            received = r.randint(joined, written)
            left = r.randint(received, written) if r.random() < 0.3 else None
            two = r.random() < 0.3
            if left:
                s = section.sentence(f"Mesto {name} je od leta {received} do leta {left} kot mesto zatočišče gostilo "
                                     f"{'dva gosta' if two else 'gosta'} iz države {origin.sl}.")
            else:
                s = section.sentence(f"Mesto {name} je leta {received} kot mesto zatočišče sprejelo "
                                     f"{'dva gosta' if two else 'gosta'} iz države {origin.sl}.")
            self.country(origin, s, out)
            hosting = Res(f"hosting:{m}-guests-{h}", ("ljo:Hosting",),
                          f"Gostovanje gostov iz države {origin.sl} v mestu {name} (od {received})",
                          f"Hosting of guests from {origin.en} in {name} (since {received})")
            for _ in range(2 if two else 1):
                guest += 1
                person = Res(f"person:{m}-guest-{guest}", ("schema:Person",),
                             f"Gost iz države {origin.sl}, sprejet v mestu {name} leta {received} ({guest})",
                             f"Guest from {origin.en}, received in {name} in {received} ({guest})")
                person.add("dcterms:description", lit("Vir ne navaja imena.", "sl"))
                person.add("dcterms:description", lit("The source gives no name.", "en"))
                person.add("ljo:comesFrom", origin.iri).add("ljo:hostedBy", city.iri)
                person.add("ljo:hostedSince", year(received)).derive(s)
                hosting.add("ljo:guest", person.iri)
                out.append(person)
            interval = f"interval:{m}-guests-{h}-hosting"
            hosting.add("ljo:hostCity", city.iri).add("time:hasTime", interval).derive(s)
            period = Res(interval, ("time:Interval",), f"Obdobje gostovanja v mestu {name} (od {received})",
                         f"Period of hosting in {name} (since {received})")
            period.add("time:hasBeginning", f"instant:{m}-guests-{h}-received").derive(s)
            out += [hosting, period,
                    self.instant(f"instant:{m}-guests-{h}-received", f"Sprejem gostov v mestu {name} ({received})",
                                 f"Reception of guests in {name} ({received})", ("time:inXSDgYear", year(received)), s)]
            if left:
                period.add("time:hasEnd", f"instant:{m}-guests-{h}-left")
                out.append(self.instant(f"instant:{m}-guests-{h}-left", f"Odhod gostov iz mesta {name} ({left})",
                                        f"Departure of guests from {name} ({left})",
                                        ("time:inXSDgYear", year(left)), s))
        groups = [self.origins[i] for i in sorted(r.sample(range(len(self.origins)), r.choice([0, 1, 2, 3])))]
        if groups:
            s = section.sentence(f"{name} je gostilo tudi preganjane umetnike iz "
                                 f"{'držav' if len(groups) > 1 else 'države'} {join_sl([c.sl for c in groups])}.")
            written_res.derive(s)
            for c in groups:
                self.country(c, s, out)
                slug = f"{m}-artists-from-{c.iri.split(':')[1]}"
                out.append(Res(f"group:{slug}", ("foaf:Group",), f"Preganjani umetniki iz države {c.sl} v mestu {name}",
                               f"Persecuted artists from {c.en} in {name}")
                           .add("dcterms:description", lit("Število in leta niso navedeni.", "sl"))
                           .add("dcterms:description", lit("Number and years not stated.", "en"))
                           .add("ljo:comesFrom", c.iri).add("ljo:hostedBy", city.iri).derive(s))
                out.append(Res(f"hosting:{slug}", ("ljo:Hosting",),
                               f"Gostovanje preganjanih umetnikov iz države {c.sl} v mestu {name}",
                               f"Hosting of persecuted artists from {c.en} in {name}")
                           .add("ljo:guest", f"group:{slug}").add("ljo:hostCity", city.iri)
                           .add("ljo:asOf", written_iri).derive(s))
        if r.random() < 0.6:
            job_sl, job_en, female = r.choice(JOBS)
            origin = r.choice(self.origins)
            s = section.sentence(f"Trenutno v mestu {name} biva {job_sl} iz države {origin.sl}.")
            self.country(origin, s, out)
            written_res.derive(s)
            person = Res(f"person:{m}-resident", ("schema:Person",),
                         f"{job_sl.capitalize()} iz države {origin.sl} v mestu {name}",
                         f"{job_en.capitalize()} from {origin.en} in {name}")
            person.add("dcterms:description", lit("Vir ne navaja imena.", "sl"))
            person.add("dcterms:description", lit("The source gives no name.", "en"))
            person.add("schema:jobTitle", lit(job_sl, "sl")).add("schema:jobTitle", lit(job_en, "en"))
            if female:
                person.add("schema:gender", "schema:Female")
            person.add("ljo:comesFrom", origin.iri).add("ljo:residesIn", city.iri).derive(s)
            out += [person,
                    Res(f"residence:{m}-resident", ("ljo:Residence",),
                        f"Bivanje: {job_sl} iz države {origin.sl} v mestu {name} (okrog {written})",
                        f"Residence of the {job_en} from {origin.en} in {name} (about {written})")
                    .add("ljo:resident", person.iri).add("prov:atLocation", city.iri)
                    .add("ljo:asOf", written_iri).derive(s)]
        if anniversary:
            opens = datetime.date(written, month, r.randint(1, 20))
            closes = opens + datetime.timedelta(days=r.randint(14, 40))
            title = f"{r.choice(TITLE_START)} {r.choice(TITLE_END)}"
            gallery_word = r.choice(GALLERIES)
            s = section.sentence(f"Ob {anniversary}. obletnici sodelovanja v mreži {net.abbr} smo pripravili razstavo "
                                 f"{title}, ki bo v galeriji {gallery_word} na ogled od {opens.day}. {opens.month}. do "
                                 f"{closes.day}. {closes.month}. {closes.year}.")
            written_res.derive(s)
            event, exhibition = f"event:{m}-anniversary-{anniversary}", f"event:{m}-exhibition"
            gallery = f"place:city-{m[-6:]}-gallery"
            out += [Res(event, ("ljo:Anniversary",), f"{anniversary}. obletnica sodelovanja {abbr} v mreži {net.abbr}",
                        f"{anniversary}th anniversary of {abbr}'s membership in {net.abbr}")
                    .add("ljo:anniversaryOf", membership).add("ljo:anniversaryNumber", str(anniversary)).derive(s),
                    Res(exhibition, ("schema:ExhibitionEvent",), f"Razstava {title}", f"Exhibition “{title}”")
                    .add("schema:name", lit(title, "sl")).add("schema:organizer", org_iri)
                    .add("schema:location", gallery).add("schema:startDate", day(opens))
                    .add("schema:endDate", day(closes)).add("time:hasTime", f"interval:{m}-exhibition")
                    .add("schema:eventStatus", "schema:EventScheduled").add("ljo:asOf", written_iri)
                    .add("ljo:occasion", event).derive(s),
                    Res(f"interval:{m}-exhibition", ("time:Interval",), f"Čas razstave {title}",
                        f"Period of the exhibition “{title}”")
                    .add("time:hasBeginning", f"instant:{m}-exhibition-opens")
                    .add("time:hasEnd", f"instant:{m}-exhibition-closes").derive(s),
                    self.instant(f"instant:{m}-exhibition-opens", f"Odprtje razstave {title} ({opens.isoformat()})",
                                 f"Opening of the exhibition “{title}” ({opens.isoformat()})",
                                 ("time:inXSDDate", day(opens)), s),
                    self.instant(f"instant:{m}-exhibition-closes", f"Konec razstave {title} ({closes.isoformat()})",
                                 f"Close of the exhibition “{title}” ({closes.isoformat()})",
                                 ("time:inXSDDate", day(closes)), s),
                    Res(gallery, ("schema:ArtGallery",), f"Galerija {gallery_word} ({name})",
                        f"{gallery_word} Gallery ({name})").add("schema:containedInPlace", city.iri).derive(s)]
        if not written_res.prov:  # nothing holds "currently": no instant of writing
            out.remove(written_res)
        return out

    def presentations(self, section: Section, m: str, name: str, mu: str, city_iri: str, culture: str,
                      admin: str) -> list[Res]:
        """The city presented abroad: held presentations, planned Days of the city (never dated before the text)."""
        r = self.rng
        written = r.randint(2012, 2023)
        written_iri = f"instant:{m}-presentations-section-written"
        written_res = self.instant(written_iri, f"Nastanek razdelka o predstavitvah mesta {name} (okrog {written})",
                                   f"Writing of the section on presentations of {name} (about {written})",
                                   ("time:inXSDgYear", year(written)))
        written_res.add("ljo:qualifier", "ljo:Approximately")
        s = section.sentence(f"Oddelek za kulturo v sodelovanju z drugimi oddelki {mu} predstavlja mesto {name} v "
                             "različnih evropskih mestih.")
        series_iri = f"event:{m}-presentations"
        series = Res(series_iri, ("schema:EventSeries",), f"Predstavitve mesta {name} v tujini",
                     f"Presentations of {name} abroad")
        series.add("schema:about", city_iri).add("schema:organizer", culture).add("schema:contributor", admin)
        series.add("ljo:asOf", written_iri).derive(s)
        written_res.derive(s)
        out = [series, written_res]
        held = self.other_cities(r.choice([0, 1, 2, 2, 3]), city_iri)
        if held:
            s = section.sentence(f"V zadnjih letih smo mesto {name} predstavili v "
                                 f"{'mestih' if len(held) > 1 else 'mestu'} {join_sl([c.sl for c in held])}.")
            written_res.derive(s)
            for i, c in enumerate(held, 1):
                out.append(Res(f"event:{m}-presentation-{i}", ("schema:Event",),
                               f"Predstavitev mesta {name} v mestu {c.sl}", f"Presentation of {name} in {c.en}")
                           .add("schema:superEvent", series_iri).add("schema:about", city_iri)
                           .add("schema:organizer", culture).add("schema:location", c.iri)
                           .add("schema:eventStatus", "ljo:EventHeld").add("ljo:asOf", written_iri).derive(s))
        if r.random() < 0.5:
            planned = written + r.choice([1, 1, 2])
            where = self.other_cities(r.randint(1, 5), city_iri)
            s = section.sentence(f"V letu {planned} načrtujemo Dneve mesta {name} v "
                                 f"{'mestih' if len(where) > 1 else 'mestu'} {join_sl([c.sl for c in where])}.")
            written_res.derive(s)
            days = f"event:{m}-days-{planned}"
            out.append(Res(days, ("schema:EventSeries",), f"Dnevi mesta {name} {planned} (načrtovani)",
                           f"Days of {name} {planned} (planned)")
                       .add("schema:superEvent", series_iri).add("schema:about", city_iri)
                       .add("schema:organizer", culture).add("schema:startDate", year(planned))
                       .add("schema:eventStatus", "ljo:EventPlanned").add("ljo:asOf", written_iri).derive(s))
            for i, c in enumerate(where, 1):
                out.append(Res(f"{days}-{i}", ("schema:Event",), f"Dnevi mesta {name} v mestu {c.sl} {planned} "
                               "(načrtovani)", f"Days of {name} in {c.en} {planned} (planned)")
                           .add("schema:superEvent", days).add("schema:about", city_iri)
                           .add("schema:organizer", culture).add("schema:location", c.iri)
                           .add("schema:startDate", year(planned)).add("schema:eventStatus", "ljo:EventPlanned")
                           .add("ljo:asOf", written_iri).derive(s))
        return out

# --------------------------------------------------------------------------------------------------------
# The data root
# --------------------------------------------------------------------------------------------------------

def real_triples(root: Path) -> tuple[int, set[str]]:
    """Distinct triples of the project's ontology/ + data/ (as the loader unions them) and the IRIs typed there."""
    import pyoxigraph as ox

    triples = set()
    for folder in ("ontology", "data"):
        for path in sorted((root / folder).glob("*.ttl")):
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=COUNT_BASE):
                triples.add(quad.triple)
    typed = set()
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for t in triples:
        if t.predicate.value == rdf_type and t.subject.value.startswith(COUNT_BASE):
            path = t.subject.value[len(COUNT_BASE):]
            for prefix, rel in OWN_PREFIXES.items():
                if path.startswith(rel) and "/" not in path[len(rel):]:
                    typed.add(f"{prefix}:{path[len(rel):]}")
    return len(triples), typed


def prepare(out: Path, triples: int, seed: int) -> None:
    """Copy the project's folders into ``out``; an existing root is replaced only if this script wrote it."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise SystemExit(f"error: {out} exists, is not empty and was not written by bench/generate.py "
                             f"(no {MARKER}): refusing to overwrite it")
        for folder in WRITTEN:
            if (out / folder).exists():
                shutil.rmtree(out / folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(f"Written by bench/generate.py --triples {triples} --seed {seed}; this folder may be "
                              "replaced by the next run.\n", encoding="utf-8")
    for folder in COPIED:
        shutil.copytree(ROOT / folder, out / folder)
    (out / "data").mkdir()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        shutil.copyfile(path, out / "data" / path.name)


@dataclass
class Summary:
    triples: int
    generated: int
    files: int
    seconds: float

    def line(self, out: Path) -> str:
        return (f"triples={self.triples} generated={self.generated} files={self.files} seconds={self.seconds:.2f} "
                f"out={out}")


def generate(out: Path, triples: int, seed: int, chunk_triples: int = CHUNK_TRIPLES,
             progress: Callable[[str], None] | None = None) -> Summary:
    """Write a data root of about ``triples`` distinct ontology+data triples into ``out``."""
    started = time.monotonic()
    say = progress or (lambda _message: None)
    out = Path(out)
    prepare(out, triples, seed)
    base, known = real_triples(ROOT)
    target = triples - base
    if target <= 0:
        say(f"the project's ontology and data alone have {base} triples: nothing generated")
    gen = Generator(random.Random(seed), known)
    closed = files = 0
    chunk: Chunk | None = None

    def close(c: Chunk) -> int:
        nonlocal files
        c.close()
        files += 1
        say(f"  data/{c.name}.ttl: {c.triples:,} triples; source/{c.name}.sl.txt: {c.bytes:,} bytes "
            f"({base + closed + c.triples:,} of {triples:,} triples, {time.monotonic() - started:.1f} s)")
        return c.triples

    # Full blocks (about 300 triples, some over 1,000) while far from the target, then small blocks (about 120)
    # to land on it: the result is within about 60 triples of the target, plus the rare outsized last block.
    average, largest, average_small = 300.0, 0, 120.0
    while target > 0:
        # what the open chunk holds, plus what closing it adds (the document and the file: 18 + sections)
        remaining = target - closed - (0 if chunk is None else chunk.triples + 18 + len(chunk.sections))
        small = remaining < max(3 * average, largest + 200)
        if remaining < (average_small if small else average) / 2:
            break
        if chunk is None:
            chunk = Chunk(out, files + 1)
        before = chunk.triples
        chunk.write(gen.block(chunk, small))
        size = chunk.triples - before
        if small:
            average_small += (size - average_small) / 4
        else:
            average += (size - average) / min(gen.blocks, 50)
            largest = max(largest, size)
        if chunk.triples >= chunk_triples:
            closed += close(chunk)
            chunk = None
    if chunk is not None:
        closed += close(chunk)
    return Summary(base + closed, closed, files, time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=parse_size, required=True,
                        help="distinct triples of ontology + data: 10k, 100k, 1m, 10m or an integer")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="the data root to write (replaced if we wrote it)")
    parser.add_argument("--chunk", type=int, default=CHUNK_TRIPLES, help="triples per generated file (default 250000)")
    args = parser.parse_args(argv)
    print(f"generating {args.triples:,} triples (seed {args.seed}) into {args.out}", file=sys.stderr)
    summary = generate(args.out, args.triples, args.seed, args.chunk,
                       progress=lambda message: print(message, file=sys.stderr, flush=True))
    print(summary.line(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
