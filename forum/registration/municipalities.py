"""Sweden's counties (län) and municipalities (kommuner) as static data.

Codes are SCB's official ones: a county has a two-digit *länskod* and a municipality a four-digit
*kommunkod* whose first two digits are its county's code (0180 Stockholm is in 01 Stockholms län).
Names are proper nouns and are not translated.

Used by registration forms to offer a municipality select field (optionally with the event's own
county first) and to map a free-text city to its county.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COUNTIES",
    "MUNICIPALITIES",
    "County",
    "Municipality",
    "by_code",
    "choices",
    "county_for_city",
    "grouped_choices",
    "label",
    "swedish_sort_key",
]


@dataclass(frozen=True)
class County:
    """A Swedish county (län), e.g. ``County("13", "Hallands län")``."""

    code: str
    name: str


@dataclass(frozen=True)
class Municipality:
    """A Swedish municipality (kommun), e.g. ``Municipality("1380", "Halmstad")``."""

    code: str
    name: str

    @property
    def county_code(self) -> str:
        """The two-digit code of the county the municipality lies in."""
        return self.code[:2]

    @property
    def county(self) -> County:
        """The county the municipality lies in."""
        return _COUNTIES_BY_CODE[self.county_code]


# Swedish alphabetical order: a–z, then å, ä, ö. Letters that Swedish collates as variants of
# another (é as e, ü as y, æ as ä, ø as ö) sort with that letter.
_EXTRA_LETTERS = {"å": 1, "ä": 2, "æ": 2, "ö": 3, "ø": 3}
_VARIANTS = {"é": "e", "è": "e", "à": "a", "á": "a", "ü": "y"}


def swedish_sort_key(text: str) -> tuple[tuple[int, ...], str]:
    """A sort key that orders *text* the Swedish way: case-insensitive, with å < ä < ö after z.

    Ties (names equal but for case) are broken by the text itself so the order is stable.
    """
    ranks: list[int] = []
    for char in text.casefold():
        char = _VARIANTS.get(char, char)
        extra = _EXTRA_LETTERS.get(char)
        ranks.append(ord("z") + extra if extra is not None else ord(char))
    return tuple(ranks), text


COUNTIES: tuple[County, ...] = (
    County("01", "Stockholms län"),
    County("03", "Uppsala län"),
    County("04", "Södermanlands län"),
    County("05", "Östergötlands län"),
    County("06", "Jönköpings län"),
    County("07", "Kronobergs län"),
    County("08", "Kalmar län"),
    County("09", "Gotlands län"),
    County("10", "Blekinge län"),
    County("12", "Skåne län"),
    County("13", "Hallands län"),
    County("14", "Västra Götalands län"),
    County("17", "Värmlands län"),
    County("18", "Örebro län"),
    County("19", "Västmanlands län"),
    County("20", "Dalarnas län"),
    County("21", "Gävleborgs län"),
    County("22", "Västernorrlands län"),
    County("23", "Jämtlands län"),
    County("24", "Västerbottens län"),
    County("25", "Norrbottens län"),
)

# "kommunkod name", one a line, in code order (the 290 municipalities since 2003).
_MUNICIPALITY_TABLE = """
0114 Upplands Väsby
0115 Vallentuna
0117 Österåker
0120 Värmdö
0123 Järfälla
0125 Ekerö
0126 Huddinge
0127 Botkyrka
0128 Salem
0136 Haninge
0138 Tyresö
0139 Upplands-Bro
0140 Nykvarn
0160 Täby
0162 Danderyd
0163 Sollentuna
0180 Stockholm
0181 Södertälje
0182 Nacka
0183 Sundbyberg
0184 Solna
0186 Lidingö
0187 Vaxholm
0188 Norrtälje
0191 Sigtuna
0192 Nynäshamn
0305 Håbo
0319 Älvkarleby
0330 Knivsta
0331 Heby
0360 Tierp
0380 Uppsala
0381 Enköping
0382 Östhammar
0428 Vingåker
0461 Gnesta
0480 Nyköping
0481 Oxelösund
0482 Flen
0483 Katrineholm
0484 Eskilstuna
0486 Strängnäs
0488 Trosa
0509 Ödeshög
0512 Ydre
0513 Kinda
0560 Boxholm
0561 Åtvidaberg
0562 Finspång
0563 Valdemarsvik
0580 Linköping
0581 Norrköping
0582 Söderköping
0583 Motala
0584 Vadstena
0586 Mjölby
0604 Aneby
0617 Gnosjö
0642 Mullsjö
0643 Habo
0662 Gislaved
0665 Vaggeryd
0680 Jönköping
0682 Nässjö
0683 Värnamo
0684 Sävsjö
0685 Vetlanda
0686 Eksjö
0687 Tranås
0760 Uppvidinge
0761 Lessebo
0763 Tingsryd
0764 Alvesta
0765 Älmhult
0767 Markaryd
0780 Växjö
0781 Ljungby
0821 Högsby
0834 Torsås
0840 Mörbylånga
0860 Hultsfred
0861 Mönsterås
0862 Emmaboda
0880 Kalmar
0881 Nybro
0882 Oskarshamn
0883 Västervik
0884 Vimmerby
0885 Borgholm
0980 Gotland
1060 Olofström
1080 Karlskrona
1081 Ronneby
1082 Karlshamn
1083 Sölvesborg
1214 Svalöv
1230 Staffanstorp
1231 Burlöv
1233 Vellinge
1256 Östra Göinge
1257 Örkelljunga
1260 Bjuv
1261 Kävlinge
1262 Lomma
1263 Svedala
1264 Skurup
1265 Sjöbo
1266 Hörby
1267 Höör
1270 Tomelilla
1272 Bromölla
1273 Osby
1275 Perstorp
1276 Klippan
1277 Åstorp
1278 Båstad
1280 Malmö
1281 Lund
1282 Landskrona
1283 Helsingborg
1284 Höganäs
1285 Eslöv
1286 Ystad
1287 Trelleborg
1290 Kristianstad
1291 Simrishamn
1292 Ängelholm
1293 Hässleholm
1315 Hylte
1380 Halmstad
1381 Laholm
1382 Falkenberg
1383 Varberg
1384 Kungsbacka
1401 Härryda
1402 Partille
1407 Öckerö
1415 Stenungsund
1419 Tjörn
1421 Orust
1427 Sotenäs
1430 Munkedal
1435 Tanum
1438 Dals-Ed
1439 Färgelanda
1440 Ale
1441 Lerum
1442 Vårgårda
1443 Bollebygd
1444 Grästorp
1445 Essunga
1446 Karlsborg
1447 Gullspång
1452 Tranemo
1460 Bengtsfors
1461 Mellerud
1462 Lilla Edet
1463 Mark
1465 Svenljunga
1466 Herrljunga
1470 Vara
1471 Götene
1472 Tibro
1473 Töreboda
1480 Göteborg
1481 Mölndal
1482 Kungälv
1484 Lysekil
1485 Uddevalla
1486 Strömstad
1487 Vänersborg
1488 Trollhättan
1489 Alingsås
1490 Borås
1491 Ulricehamn
1492 Åmål
1493 Mariestad
1494 Lidköping
1495 Skara
1496 Skövde
1497 Hjo
1498 Tidaholm
1499 Falköping
1715 Kil
1730 Eda
1737 Torsby
1760 Storfors
1761 Hammarö
1762 Munkfors
1763 Forshaga
1764 Grums
1765 Årjäng
1766 Sunne
1780 Karlstad
1781 Kristinehamn
1782 Filipstad
1783 Hagfors
1784 Arvika
1785 Säffle
1814 Lekeberg
1860 Laxå
1861 Hallsberg
1862 Degerfors
1863 Hällefors
1864 Ljusnarsberg
1880 Örebro
1881 Kumla
1882 Askersund
1883 Karlskoga
1884 Nora
1885 Lindesberg
1904 Skinnskatteberg
1907 Surahammar
1960 Kungsör
1961 Hallstahammar
1962 Norberg
1980 Västerås
1981 Sala
1982 Fagersta
1983 Köping
1984 Arboga
2021 Vansbro
2023 Malung-Sälen
2026 Gagnef
2029 Leksand
2031 Rättvik
2034 Orsa
2039 Älvdalen
2061 Smedjebacken
2062 Mora
2080 Falun
2081 Borlänge
2082 Säter
2083 Hedemora
2084 Avesta
2085 Ludvika
2101 Ockelbo
2104 Hofors
2121 Ovanåker
2132 Nordanstig
2161 Ljusdal
2180 Gävle
2181 Sandviken
2182 Söderhamn
2183 Bollnäs
2184 Hudiksvall
2260 Ånge
2262 Timrå
2280 Härnösand
2281 Sundsvall
2282 Kramfors
2283 Sollefteå
2284 Örnsköldsvik
2303 Ragunda
2305 Bräcke
2309 Krokom
2313 Strömsund
2321 Åre
2326 Berg
2361 Härjedalen
2380 Östersund
2401 Nordmaling
2403 Bjurholm
2404 Vindeln
2409 Robertsfors
2417 Norsjö
2418 Malå
2421 Storuman
2422 Sorsele
2425 Dorotea
2460 Vännäs
2462 Vilhelmina
2463 Åsele
2480 Umeå
2481 Lycksele
2482 Skellefteå
2505 Arvidsjaur
2506 Arjeplog
2510 Jokkmokk
2513 Överkalix
2514 Kalix
2518 Övertorneå
2521 Pajala
2523 Gällivare
2560 Älvsbyn
2580 Luleå
2581 Piteå
2582 Boden
2583 Haparanda
2584 Kiruna
"""


def _parse_table(table: str) -> tuple[Municipality, ...]:
    rows = (line.split(" ", 1) for line in table.strip().splitlines())
    municipalities = (Municipality(code, name) for code, name in rows)
    return tuple(sorted(municipalities, key=lambda m: swedish_sort_key(m.name)))


MUNICIPALITIES: tuple[Municipality, ...] = _parse_table(_MUNICIPALITY_TABLE)
"""All 290 municipalities, sorted by name in Swedish order."""

_COUNTIES_BY_CODE: dict[str, County] = {county.code: county for county in COUNTIES}
_COUNTIES_BY_NAME: dict[str, County] = {county.name.casefold(): county for county in COUNTIES}
_BY_CODE: dict[str, Municipality] = {m.code: m for m in MUNICIPALITIES}
_BY_NAME: dict[str, Municipality] = {m.name.casefold(): m for m in MUNICIPALITIES}


def by_code(code: str) -> Municipality | None:
    """The municipality with the four-digit SCB code *code*, or None."""
    return _BY_CODE.get(code.strip())


def _by_name(city: str) -> Municipality | None:
    """The municipality named *city* (case-insensitive; "X kommun" and "Xs kommun" accepted)."""
    name = " ".join(city.split()).casefold()
    found = _BY_NAME.get(name)
    if found is None and name.endswith(" kommun"):
        name = name.removesuffix(" kommun")
        found = _BY_NAME.get(name)
        if found is None and name.endswith("s"):  # genitive: "Halmstads kommun"
            found = _BY_NAME.get(name[:-1])
    return found


def county_for_city(city: str) -> County | None:
    """The county of the municipality named *city*, e.g. "Halmstad" → Hallands län; None if unknown."""
    municipality = _by_name(city)
    return municipality.county if municipality else None


def _county(first_county: str | None) -> County | None:
    """Resolve a county given by code ("13") or name ("Hallands län"), or None."""
    if not first_county:
        return None
    key = first_county.strip()
    return _COUNTIES_BY_CODE.get(key) or _COUNTIES_BY_NAME.get(key.casefold())


def choices(first_county: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs for a select field, sorted by name; no empty first choice.

    With *first_county* (a county code such as "13", or its name), that county's municipalities
    come first, then all the others, each part sorted by name.
    """
    county = _county(first_county)
    if county is None:
        return [(m.code, m.name) for m in MUNICIPALITIES]
    first = [(m.code, m.name) for m in MUNICIPALITIES if m.county_code == county.code]
    rest = [(m.code, m.name) for m in MUNICIPALITIES if m.county_code != county.code]
    return first + rest


def grouped_choices(first_county: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(county name, [(code, name), ...]) groups for an ``<optgroup>`` select.

    Counties come in code order, with *first_county* (code or name) moved to the front;
    municipalities within a county are sorted by name.
    """
    county = _county(first_county)
    ordered = list(COUNTIES)
    if county is not None:
        ordered.remove(county)
        ordered.insert(0, county)
    return [(c.name, [(m.code, m.name) for m in MUNICIPALITIES if m.county_code == c.code]) for c in ordered]


def label(code: str) -> str:
    """Return "Halmstad (Hallands län)" for code "1380", or "" when the code is unknown."""
    municipality = by_code(code) if code else None
    return f"{municipality.name} ({municipality.county.name})" if municipality else ""


def code_for_name(name: str) -> str:
    """The SCB code of a municipality typed by name ("Halmstad", "halmstads kommun"); "" when unknown."""
    municipality = _by_name(name)
    return municipality.code if municipality else ""
