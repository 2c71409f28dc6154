"""Dataset metadata as one graph: VoID, a DCAT-AP 3.0.1 catalogue and the SPARQL 1.1 service description.

Every resource is an IRI (no blank nodes), so the server can dereference each one; the IRIs we mint are
``dataset`` (void:Dataset = dcat:Dataset), ``dataset/partition/{class,property}/<slug>``,
``dataset/linkset/<slug>``, ``dataset/target/<slug>``, ``dataset/distribution/<suffix>``,
``dataset/dump.<suffix>``, ``dataset/contact``, ``dataset/rights``, ``dataset/temporal``, ``catalogue``,
``sparql`` (sd:Service = dcat:DataService), ``sparql/dataset``, ``sparql/default-graph``,
``sparql/named-graph/<folder>`` and ``sparql/prefix/<name>`` (the prefixes every query may use undeclared,
as SHACL's sh:declare states them).
The EU vocabulary terms we use are typed and labelled here as the DCAT-AP shapes demand (skos:Concept in
their scheme, plus the class DCAT-AP expects as range).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from . import formats
from .examples import EXAMPLES_PATH
from .iris import LINK_TARGETS, OWN_PREFIXES, Namespaces
from .loading import GRAPH_FOLDERS
from .releases import Releases
from .settings import Settings

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
XSD_ANYURI = URIRef("http://www.w3.org/2001/XMLSchema#anyURI")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
W3C_FORMATS = "http://www.w3.org/ns/formats/"
WKT = URIRef("http://www.opengis.net/ont/geosparql#wktLiteral")

LICENCE = URIRef(EU + "licence/CC_BY_4_0")
LJUBLJANA = URIRef("https://sws.geonames.org/3196359/")
LJUBLJANA_CENTROID = "POINT(14.50611 46.05139)"  # 46°03'05"N 14°30'22"E, the city's published coordinates
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
TEMPORAL = (date(1994, 1, 1), date(2021, 12, 12))  # dated facts: 1994 to the 2021 exhibition's last day
FILE_TYPES = {"turtle": "RDF_TURTLE", "ntriples": "RDF_N_TRIPLES", "jsonld": "JSON_LD",
              "nquads": "RDF_N_QUADS", "trig": "RDF_TRIG", "rdfxml": "RDF_XML"}
W3C_FORMAT_NAMES = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples",
                    "jsonld": "JSON-LD", "rdfxml": "RDF_XML", "nquads": "N-Quads", "trig": "TriG"}

# Concept schemes: IRI -> (en, sl). The EU authority tables, and the two ADMS schemes the shapes name.
SCHEMES = {EU + "language": ("Languages", "Jeziki"), EU + "data-theme": ("Data themes", "Podatkovne teme"),
           EU + "licence": ("Licences", "Licence"), EU + "file-type": ("File types", "Vrste datotek"),
           EU + "access-right": ("Access rights", "Pravice dostopa"),
           EU + "frequency": ("Frequencies", "Pogostosti"),
           EU + "planned-availability": ("Planned availability", "Načrtovana razpoložljivost"),
           "http://purl.org/adms/publishertype/1.0": ("Publisher types", "Vrste izdajateljev"),
           "http://purl.org/adms/licencetype/1.0": ("Licence types", "Vrste licenc")}
# Concepts: (scheme, IRI, en, sl, the class DCAT-AP's range.ttl expects)
CONCEPTS = [
    (EU + "language", EU + "language/SLV", "Slovenian", "slovenščina", DCT.LinguisticSystem),
    (EU + "language", EU + "language/ENG", "English", "angleščina", DCT.LinguisticSystem),
    (EU + "data-theme", EU + "data-theme/EDUC", "Education, culture and sport",
     "Izobraževanje, kultura in šport", None),
    (EU + "licence", str(LICENCE), "Creative Commons Attribution 4.0 International",
     "Creative Commons Priznanje avtorstva 4.0 mednarodna", DCT.LicenseDocument),
    (EU + "access-right", EU + "access-right/PUBLIC", "public", "javno", DCT.RightsStatement),
    (EU + "frequency", EU + "frequency/IRREG", "irregular", "neredno", DCT.Frequency),
    (EU + "planned-availability", EU + "planned-availability/STABLE", "stable", "stabilno", None),
    ("http://purl.org/adms/publishertype/1.0", "http://purl.org/adms/publishertype/LocalAuthority",
     "Local authority", "Lokalna oblast", None),
    ("http://purl.org/adms/licencetype/1.0", "http://purl.org/adms/licencetype/Attribution",
     "Attribution", "Priznanje avtorstva", None),
] + [(EU + "file-type", EU + "file-type/" + code, name, name, DCT.MediaTypeOrExtent)
     for name, code in (("Turtle", "RDF_TURTLE"), ("N-Triples", "RDF_N_TRIPLES"), ("JSON-LD", "JSON_LD"),
                        ("N-Quads", "RDF_N_QUADS"), ("TriG", "RDF_TRIG"), ("RDF/XML", "RDF_XML"))]

# Bilingual texts (en, sl): only facts stated in source/README.md.
TITLE = ("Ljubljana's international cultural cooperation: knowledge graph",
         "Mednarodno kulturno sodelovanje Ljubljane: graf znanja")
DESCRIPTION = (
    "A knowledge graph of the Slovenian text “Mednarodno sodelovanje” (International cooperation), a page "
    "on international cultural cooperation published by the City Municipality of Ljubljana (MOL), its "
    "Department for Culture. It covers the LIKE network (formerly Les Rencontres), the ICORN network of "
    "cities of refuge for persecuted writers, the Eurocities network and presentations of Ljubljana "
    "abroad; the graph's provenance points into passages of the source text.",
    "Graf znanja slovenskega besedila »Mednarodno sodelovanje«, strani o mednarodnem kulturnem "
    "sodelovanju, ki jo objavlja Mestna občina Ljubljana (MOL), njen Oddelek za kulturo. Zajema mrežo LIKE "
    "(nekdaj Les Rencontres), mrežo mest zatočišč za preganjane pisatelje ICORN, mrežo Eurocities in "
    "predstavitve Ljubljane v tujini; provenienca grafa kaže na odlomke izvornega besedila.")
CONTACT_NAME = ("Department for Culture, City Municipality of Ljubljana", "Oddelek za kulturo, Mestna občina Ljubljana")
MUNICIPALITY_SITE = URIRef("https://www.ljubljana.si/")
RIGHTS = ("Licensed under Creative Commons Attribution 4.0 International: reuse is free, naming the source "
          "(the page “Mednarodno sodelovanje” of the City Municipality of Ljubljana, Department for Culture) "
          "and this dataset.",
          "Z licenco Creative Commons Priznanje avtorstva 4.0 mednarodna: ponovna uporaba je prosta, z navedbo "
          "vira (stran »Mednarodno sodelovanje« Mestne občine Ljubljana, Oddelka za kulturo) in tega "
          "podatkovnega niza.")
KEYWORDS = (("Ljubljana", "international cooperation", "culture", "cities of refuge", "ICORN", "Eurocities",
             "LIKE", "knowledge graph"),
            ("Ljubljana", "mednarodno sodelovanje", "kultura", "mesta zatočišča", "ICORN", "Eurocities",
             "LIKE", "graf znanja"))


def _dates(releases: Releases, *, issued: bool = True) -> dict[str, Literal]:
    """dct:issued (the first release) and dct:modified (the latest), as _describe arguments; none unrecorded."""
    if releases.current is None:
        return {}
    dates = {"dct_modified": Literal(releases.current.date)}
    if issued:
        dates["dct_issued"] = Literal(releases.issued)
    return dates


def _bilingual(g: Graph, node: URIRef, prop: URIRef, text: tuple[str, str]) -> None:
    g.add((node, prop, Literal(text[0], lang="en")))
    g.add((node, prop, Literal(text[1], lang="sl")))


def _describe(g: Graph, node: URIRef, types: tuple, label: tuple[str, str], **props) -> URIRef:
    """Type a resource, label it in en and sl, add properties (``dct_title=term`` or a list of terms)."""
    for t in types:
        g.add((node, RDF.type, t))
    _bilingual(g, node, RDFS.label, label)
    for name, values in props.items():
        prefix, local = name.split("_", 1)
        prop = {"dct": DCT, "dcat": DCAT, "void": VOID, "sd": SD, "foaf": FOAF, "vcard": VCARD}[prefix][local]
        for value in values if isinstance(values, list) else [values]:
            g.add((node, prop, value))
    return node


def _slug(iri: str, prefixes: dict[str, str]) -> str:
    """A stable path segment for an IRI: 'prefix-local' when it has a known prefix, else a hash."""
    matches = [p for p, ns in prefixes.items() if iri.startswith(ns)]
    if matches:
        prefix = max(matches, key=lambda p: len(prefixes[p]))
        local = iri[len(prefixes[prefix]):]
        if re.fullmatch(r"[A-Za-z0-9_-]+", local):
            return f"{prefix}-{local}"
    return "iri-" + hashlib.sha1(iri.encode()).hexdigest()[:12]


def _vocabulary(iri: str, ns: Namespaces) -> URIRef:
    """The vocabulary of a class or property: a known namespace, or the IRI up to its last '#' or '/'."""
    if iri.startswith(ns["ljo"]):
        return URIRef(ns.ontology)
    known = [v for p, v in ns.prefixes().items() if p not in OWN_PREFIXES and iri.startswith(v)]
    if known:
        return URIRef(max(known, key=len))
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return URIRef(iri[:cut + 1])


def _concepts(g: Graph) -> None:
    for scheme, (en, sl) in SCHEMES.items():
        _describe(g, URIRef(scheme), (SKOS.ConceptScheme,), (en, sl))
        _bilingual(g, URIRef(scheme), DCT.title, (en, sl))
    for scheme, iri, en, sl, range_class in CONCEPTS:
        node = _describe(g, URIRef(iri), (SKOS.Concept,) + ((range_class,) if range_class else ()), (en, sl))
        _bilingual(g, node, SKOS.prefLabel, (en, sl))
        g.add((node, SKOS.inScheme, URIRef(scheme)))
    g.add((LICENCE, DCT.type, URIRef("http://purl.org/adms/licencetype/Attribution")))


@dataclass
class _Census:
    """What VoID states about the published graph, gathered in one pass over it (each pass over a
    million triples in rdflib's store takes seconds; there were four)."""
    subjects: set = field(default_factory=set)
    objects: set = field(default_factory=set)
    entities: set = field(default_factory=set)
    per_property: Counter = field(default_factory=Counter)
    per_class: dict = field(default_factory=lambda: defaultdict(set))
    links: dict = field(default_factory=lambda: {name: [] for name in LINK_TARGETS})  # target → [(p, o)]


def _census(published: Graph) -> _Census:
    census = _Census()
    targets = list(LINK_TARGETS.items())
    for s, p, o in published:
        census.subjects.add(s)
        census.objects.add(o)
        census.per_property[p] += 1
        if isinstance(s, URIRef):
            census.entities.add(s)
        if p == RDF.type:  # every class counts, even one with only blank-node members
            census.per_class[o].update([s] if isinstance(s, URIRef) else [])
        if isinstance(o, URIRef):
            for name, target_ns in targets:
                if o.startswith(target_ns):
                    census.links[name].append((p, o))
    return census


def _void(g: Graph, ns: Namespaces, published: Graph, dataset: URIRef) -> None:
    prefixes = ns.prefixes()
    census = _census(published)
    subjects, objects, entities = census.subjects, census.objects, census.entities
    per_property, per_class = census.per_property, census.per_class
    for prop, value in ((VOID.triples, len(published)), (VOID.entities, len(entities)),
                        (VOID.distinctSubjects, len(subjects)), (VOID.distinctObjects, len(objects)),
                        (VOID.properties, len(per_property)), (VOID.classes, len(per_class))):
        g.add((dataset, prop, Literal(value)))
    for cls, members in sorted(per_class.items()):
        if isinstance(cls, URIRef):
            part = URIRef(f"{ns.dataset}/partition/class/{_slug(cls, prefixes)}")
            _describe(g, part, (VOID.Dataset,), (f"Class partition: {cls}", f"Razdelek po razredu: {cls}"),
                      void_class=cls, void_entities=Literal(len(members)))
            g.add((dataset, VOID.classPartition, part))
    for prop, count in sorted(per_property.items()):
        part = URIRef(f"{ns.dataset}/partition/property/{_slug(prop, prefixes)}")
        _describe(g, part, (VOID.Dataset,), (f"Property partition: {prop}", f"Razdelek po lastnosti: {prop}"),
                  void_property=prop, void_triples=Literal(count))
        g.add((dataset, VOID.propertyPartition, part))
    terms = [t for t in [*per_property, *per_class] if isinstance(t, URIRef)]
    for vocab in sorted({_vocabulary(str(t), ns) for t in terms}):
        g.add((dataset, VOID.vocabulary, vocab))
    for example in _examples(ns, per_class, entities):
        g.add((dataset, VOID.exampleResource, example))
    g.add((dataset, VOID.sparqlEndpoint, URIRef(ns.iri_of("sparql"))))
    g.add((dataset, VOID.uriSpace, Literal(ns.base)))
    for fmt in formats.DUMPS:
        g.add((dataset, VOID.dataDump, URIRef(f"{ns.dataset}/dump.{fmt.suffix}")))
        g.add((dataset, VOID.feature, URIRef(W3C_FORMATS + W3C_FORMAT_NAMES[fmt.name])))
    _linksets(g, ns, census.links, dataset)


def _examples(ns: Namespaces, per_class: dict, entities: set, limit: int = 3) -> list[URIRef]:
    """One member of each of our most populous classes, else the first of our entities."""
    ours = sorted((c for c in per_class if str(c).startswith(ns["ljo"]) and per_class[c]),
                  key=lambda c: (-len(per_class[c]), str(c)))
    chosen: list[URIRef] = []
    for cls in ours:
        member = min((m for m in per_class[cls] if m not in chosen), default=None)
        if member is not None and len(chosen) < limit:
            chosen.append(member)
    return chosen or sorted(e for e in entities if ns.owns(str(e)))[:limit]


def _linksets(g: Graph, ns: Namespaces, links_by_target: dict[str, list], dataset: URIRef) -> None:
    for name, target_ns in LINK_TARGETS.items():
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        links = links_by_target[name]
        target = _describe(g, URIRef(f"{ns.dataset}/target/{slug}"), (VOID.Dataset,), (name, name),
                           void_uriSpace=Literal(target_ns))
        linkset = _describe(g, URIRef(f"{ns.dataset}/linkset/{slug}"), (VOID.Linkset,),
                            (f"Links to {name}", f"Povezave na {name}"), void_subjectsTarget=dataset,
                            void_objectsTarget=target, void_triples=Literal(len(links)),
                            void_linkPredicate=sorted({p for p, _o in links}))
        g.add((dataset, VOID.subset, linkset))


def _catalogue(g: Graph, ns: Namespaces, dataset: URIRef, version: str, releases: Releases) -> None:
    home, sparql = URIRef(ns.base), URIRef(ns.iri_of("sparql"))
    publisher, contact = URIRef(ns["organisation"] + "mol"), URIRef(f"{ns.dataset}/contact")
    temporal = URIRef(f"{ns.dataset}/temporal")
    common = dict(dct_publisher=publisher, dct_license=LICENCE, dcat_theme=URIRef(EU + "data-theme/EDUC"),
                  dcat_contactPoint=contact, dct_accessRights=URIRef(EU + "access-right/PUBLIC"))
    languages = [URIRef(EU + "language/SLV"), URIRef(EU + "language/ENG")]
    g.add((publisher, RDF.type, FOAF.Agent))
    _bilingual(g, publisher, FOAF.name, ("City Municipality of Ljubljana", "Mestna občina Ljubljana"))
    g.add((publisher, DCT.type, URIRef("http://purl.org/adms/publishertype/LocalAuthority")))
    # only what the source states: the department that publishes the text, and the municipality's web site
    # (no e-mail address or telephone number is given there, so none is stated here)
    _describe(g, contact, (VCARD.Organization, VCARD.Kind), ("Contact point", "Kontaktna točka"),
              vcard_hasURL=MUNICIPALITY_SITE)
    _bilingual(g, contact, VCARD.fn, CONTACT_NAME)
    _describe(g, MUNICIPALITY_SITE, (FOAF.Document,), ("Web site of the City Municipality of Ljubljana",
                                                       "Spletno mesto Mestne občine Ljubljana"))
    rights = _describe(g, URIRef(f"{ns.dataset}/rights"), (DCT.RightsStatement,), RIGHTS)
    _bilingual(g, rights, DCT.description, RIGHTS)
    _describe(g, home, (FOAF.Document,), ("Home page", "Domača stran"))
    _describe(g, LJUBLJANA, (DCT.Location,), ("Ljubljana", "Ljubljana"),
              dcat_centroid=Literal(LJUBLJANA_CENTROID, datatype=WKT))
    _describe(g, temporal, (DCT.PeriodOfTime,), ("1994–2021", "1994–2021"),
              dcat_startDate=Literal(TEMPORAL[0]), dcat_endDate=Literal(TEMPORAL[1]))
    g.add((URIRef(ns.ontology), RDF.type, DCT.Standard))  # labelled by the ontology itself
    _describe(g, SPARQL_PROTOCOL, (DCT.Standard,), ("SPARQL 1.1 Protocol", "Protokol SPARQL 1.1"))

    catalogue = _describe(g, URIRef(ns.iri_of("catalogue")), (DCAT.Catalog,), ("Catalogue", "Katalog"),
                          dct_publisher=publisher, dct_license=LICENCE, dct_language=languages,
                          dct_spatial=LJUBLJANA, foaf_homepage=home, dcat_dataset=dataset,
                          dcat_service=sparql, dcat_themeTaxonomy=URIRef(EU + "data-theme"),
                          **_dates(releases))
    _bilingual(g, catalogue, DCT.title, ("Catalogue: " + TITLE[0], "Katalog: " + TITLE[1]))
    _bilingual(g, catalogue, DCT.description, (
        "The linked-data publication of the knowledge graph: dataset, downloads and SPARQL endpoint.",
        "Objava grafa znanja kot povezanih podatkov: podatkovni niz, prenosi in točka SPARQL."))

    _describe(g, dataset, (VOID.Dataset, DCAT.Dataset), TITLE, **common, dct_language=languages,
              dct_spatial=LJUBLJANA, dct_temporal=temporal, dct_conformsTo=URIRef(ns.ontology),
              dct_accrualPeriodicity=URIRef(EU + "frequency/IRREG"), dcat_landingPage=home,
              dct_identifier=Literal(str(dataset)), **_dates(releases))
    g.add((dataset, OWL.versionInfo, Literal(version)))  # the content fingerprint: ETags, caches
    if releases.current is not None:  # the release number people cite, and what changed in it
        g.add((dataset, DCAT.version, Literal(releases.current.version)))
        for lang, notes in sorted(releases.current.notes.items()):
            g.add((dataset, ADMS.versionNotes, Literal(notes, lang=lang)))
    _bilingual(g, dataset, DCT.title, TITLE)
    _bilingual(g, dataset, DCT.description, DESCRIPTION)
    for en, sl in zip(*KEYWORDS, strict=True):
        _bilingual(g, dataset, DCAT.keyword, (en, sl))
    for fmt in formats.DUMPS:
        dump = URIRef(f"{ns.dataset}/dump.{fmt.suffix}")
        media = _describe(g, URIRef(IANA + fmt.media_type), (DCT.MediaType,), (fmt.media_type,) * 2)
        dist = _describe(g, URIRef(f"{ns.dataset}/distribution/{fmt.suffix}"), (DCAT.Distribution,),
                         (f"{fmt.label} dump", f"Izvoz {fmt.label}"), dcat_accessURL=dump,
                         dcat_downloadURL=dump, dcat_mediaType=media,
                         dct_format=URIRef(EU + "file-type/" + FILE_TYPES[fmt.name]), dct_license=LICENCE,
                         dct_rights=rights,
                         **_dates(releases, issued=False))
        g.add((dist, DCATAP.availability, URIRef(EU + "planned-availability/STABLE")))
        _bilingual(g, dist, DCT.title, (f"{TITLE[0]} ({fmt.label})", f"{TITLE[1]} ({fmt.label})"))
        _bilingual(g, dist, DCT.description, (
            f"The whole dataset (ontology and data) as one {fmt.label} file; gzip-compressed at the "
            "same URL with .gz appended.",
            f"Celoten podatkovni niz (ontologija in podatki) v eni datoteki {fmt.label}; stisnjen z gzip "
            "na istem URL-ju s pripono .gz."))
        g.add((dataset, DCAT.distribution, dist))

    _describe(g, sparql, (DCAT.DataService,), ("SPARQL endpoint", "Točka SPARQL"), **common,
              dcat_endpointURL=sparql, dcat_endpointDescription=sparql, dcat_servesDataset=dataset,
              dct_conformsTo=SPARQL_PROTOCOL)
    _bilingual(g, sparql, DCT.title, ("SPARQL endpoint: " + TITLE[0], "Točka SPARQL: " + TITLE[1]))
    _bilingual(g, sparql, DCT.description, (
        "SPARQL 1.1 Protocol endpoint over the whole dataset (read-only).",
        "Točka protokola SPARQL 1.1 nad celotnim podatkovnim nizom (samo za branje)."))
    for en, sl in zip(*KEYWORDS, strict=True):
        _bilingual(g, sparql, DCAT.keyword, (en, sl))
    # the example queries (examples.py): documentation of the dataset (DCAT-AP's foaf:page) and of the service
    examples = _describe(g, URIRef(ns.iri_of(EXAMPLES_PATH)), (FOAF.Document,),
                         ("SPARQL examples", "Primeri SPARQL"))
    g.add((dataset, FOAF.page, examples))
    g.add((sparql, RDFS.seeAlso, examples))


def _service(g: Graph, ns: Namespaces, settings: Settings, union_count: int,
             graph_counts: dict[str, int] | None) -> None:
    sparql = URIRef(ns.iri_of("sparql"))
    g.add((sparql, RDF.type, SD.Service))
    g.add((sparql, SD.endpoint, sparql))
    g.add((sparql, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*formats.SOLUTIONS, *formats.GRAPH_RESULTS):
        g.add((sparql, SD.resultFormat, URIRef(W3C_FORMATS + W3C_FORMAT_NAMES[fmt.name])))
    g.add((sparql, SD.feature, SD.UnionDefaultGraph))
    if settings.allow_remote:
        g.add((sparql, SD.feature, SD.BasicFederatedQuery))
    remote = ("allowed", "dovoljen") if settings.allow_remote else ("refused", "zavrnjen")
    _bilingual(g, sparql, RDFS.comment, (
        f"Read-only: updates are refused. A query is stopped after {settings.query_timeout:g} s (503); "
        f"results are truncated to {settings.row_limit} rows or triples, and the truncation is signalled. "
        f"SERVICE is {remote[0]}. The default graph is the union of the named graphs.",
        f"Samo za branje: posodobitve so zavrnjene. Poizvedba se ustavi po {settings.query_timeout:g} s "
        f"(503); rezultati so omejeni na {settings.row_limit} vrstic ali trojic, omejitev je sporočena. "
        f"SERVICE je {remote[1]}. Privzeti graf je unija poimenovanih grafov."))
    default_graph = _describe(g, URIRef(ns.iri_of("sparql/default-graph")), (SD.Graph, VOID.Dataset),
                              ("Default graph", "Privzeti graf"), void_triples=Literal(union_count))
    sd_dataset = _describe(g, URIRef(ns.iri_of("sparql/dataset")), (SD.Dataset,),
                           ("SPARQL dataset", "Nabor podatkov SPARQL"), sd_defaultGraph=default_graph)
    g.add((sparql, SD.defaultDataset, sd_dataset))
    for folder in GRAPH_FOLDERS:
        graph_iri = URIRef(ns["graph"] + folder)
        named = _describe(g, URIRef(ns.iri_of(f"sparql/named-graph/{folder}")), (SD.NamedGraph,),
                          (f"Named graph {folder}", f"Poimenovani graf {folder}"), sd_name=graph_iri,
                          sd_graph=graph_iri)
        _describe(g, graph_iri, (SD.Graph, VOID.Dataset), (f"Graph {folder}", f"Graf {folder}"))
        if graph_counts and folder in graph_counts:
            g.add((graph_iri, VOID.triples, Literal(graph_counts[folder])))
        g.add((sd_dataset, SD.namedGraph, named))
    _predeclared(g, ns, sparql)


def _predeclared(g: Graph, ns: Namespaces, sparql: URIRef) -> None:
    """The predeclared prefixes, in SHACL's vocabulary for prefix declarations (sh:declare, sh:prefix,
    sh:namespace): the one standard term for "this name stands for this namespace" that a client can read
    without knowing us (the service description vocabulary has none)."""
    for name, iri in sorted(ns.predeclared().items()):
        declaration = _describe(g, URIRef(ns.iri_of(f"sparql/prefix/{name}")), (SH.PrefixDeclaration,),
                                (f"Prefix {name}:", f"Predpona {name}:"))
        g.add((declaration, SH.prefix, Literal(name)))
        g.add((declaration, SH.namespace, Literal(iri, datatype=XSD_ANYURI)))
        g.add((sparql, SH.declare, declaration))


def build_metadata(namespaces: Namespaces, published: Graph, version: str, releases: Releases,
                   settings: Settings, *, graph_counts: dict[str, int] | None = None) -> Graph:
    """VoID + DCAT-AP 3.0.1 catalogue + SPARQL service description of ``published`` (ontology + data).

    ``version`` is the content fingerprint; the release number and the dates come from ``releases`` (the
    record in the data root, never file times), so the same files always give the same graph.
    ``graph_counts`` maps a graph folder ('ontology', 'data') to its triple count; a graph without a count
    gets none (the union's count is stated on the default graph).
    """
    g = Graph()
    for prefix, iri in namespaces.prefixes().items():
        g.bind(prefix, iri, override=True)
    g.bind("dcatap", DCATAP)
    g.bind("adms", ADMS)
    dataset = URIRef(namespaces.dataset)
    _concepts(g)
    _catalogue(g, namespaces, dataset, version, releases)
    _void(g, namespaces, published, dataset)
    _service(g, namespaces, settings, len(published), graph_counts)
    return g
