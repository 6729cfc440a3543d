"""Static county and municipality data used by the registration form."""

import pytest

from forum.registration.municipalities import (
    COUNTIES,
    MUNICIPALITIES,
    County,
    Municipality,
    by_code,
    choices,
    county_for_city,
    grouped_choices,
    label,
    swedish_sort_key,
)


def test_there_are_290_municipalities_and_21_counties():
    assert len(MUNICIPALITIES) == 290
    assert len(COUNTIES) == 21


def test_codes_are_unique_and_well_formed():
    municipality_codes = [m.code for m in MUNICIPALITIES]
    assert len(set(municipality_codes)) == 290
    assert all(len(code) == 4 and code.isdigit() for code in municipality_codes)
    assert len({m.name for m in MUNICIPALITIES}) == 290

    county_codes = [c.code for c in COUNTIES]
    assert len(set(county_codes)) == 21
    assert all(len(code) == 2 and code.isdigit() for code in county_codes)
    assert county_codes == sorted(county_codes)
    assert all(c.name.endswith(" län") for c in COUNTIES)


def test_every_municipality_lies_in_a_county_and_every_county_has_municipalities():
    county_codes = {c.code for c in COUNTIES}
    assert {m.county_code for m in MUNICIPALITIES} == county_codes
    for m in MUNICIPALITIES:
        assert m.county.code == m.code[:2]


@pytest.mark.parametrize(
    ("county_name", "count"),
    [
        ("Stockholms län", 26),
        ("Skåne län", 33),
        ("Västra Götalands län", 49),
        ("Hallands län", 6),
        ("Jämtlands län", 8),
        ("Norrbottens län", 14),
        ("Gotlands län", 1),
    ],
)
def test_known_number_of_municipalities_per_county(county_name, count):
    assert sum(1 for m in MUNICIPALITIES if m.county.name == county_name) == count


@pytest.mark.parametrize(
    ("code", "name", "county_name"),
    [
        ("0180", "Stockholm", "Stockholms län"),
        ("0114", "Upplands Väsby", "Stockholms län"),
        ("0380", "Uppsala", "Uppsala län"),
        ("0980", "Gotland", "Gotlands län"),
        ("1280", "Malmö", "Skåne län"),
        ("1380", "Halmstad", "Hallands län"),
        ("1438", "Dals-Ed", "Västra Götalands län"),
        ("1480", "Göteborg", "Västra Götalands län"),
        ("1880", "Örebro", "Örebro län"),
        ("2023", "Malung-Sälen", "Dalarnas län"),
        ("2380", "Östersund", "Jämtlands län"),
        ("2584", "Kiruna", "Norrbottens län"),
    ],
)
def test_known_codes(code, name, county_name):
    municipality = by_code(code)
    assert municipality == Municipality(code, name)
    assert municipality.county.name == county_name


def test_by_code_unknown():
    assert by_code("9999") is None
    assert by_code("") is None


@pytest.mark.parametrize(
    ("city", "county_name"),
    [
        ("Halmstad", "Hallands län"),
        ("Malmö", "Skåne län"),
        ("Östersund", "Jämtlands län"),
        ("  halmstad ", "Hallands län"),
        ("MALMÖ", "Skåne län"),
        ("Göteborg", "Västra Götalands län"),
        ("Upplands Väsby", "Stockholms län"),
        ("Halmstad kommun", "Hallands län"),
        ("Halmstads kommun", "Hallands län"),
        ("Borås kommun", "Västra Götalands län"),
        ("malung-sälen", "Dalarnas län"),
    ],
)
def test_county_for_city(city, county_name):
    county = county_for_city(city)
    assert county is not None
    assert county.name == county_name


@pytest.mark.parametrize("city", ["", "   ", "Gothenburg", "Oslo", "Halmstadkommun"])
def test_county_for_unknown_city(city):
    assert county_for_city(city) is None


def test_county_lookup_returns_the_county_object():
    assert county_for_city("Varberg") == County("13", "Hallands län")


def test_choices_without_first_county_are_all_sorted_by_name():
    all_choices = choices()
    assert len(all_choices) == 290
    assert ("", "") not in all_choices
    names = [name for _, name in all_choices]
    assert names == sorted(names, key=swedish_sort_key)
    assert names[0] == "Ale"
    assert names[-1] == "Övertorneå"


def test_choices_put_the_first_county_first():
    halland = choices("13")
    assert len(halland) == 290
    assert halland[:6] == [
        ("1382", "Falkenberg"),
        ("1380", "Halmstad"),
        ("1315", "Hylte"),
        ("1384", "Kungsbacka"),
        ("1381", "Laholm"),
        ("1383", "Varberg"),
    ]
    rest = [name for _, name in halland[6:]]
    assert rest == sorted(rest, key=swedish_sort_key)
    assert rest[0] == "Ale"
    assert "Halmstad" not in rest


def test_choices_accept_a_county_name_and_ignore_an_unknown_county():
    assert choices("Hallands län") == choices("13")
    assert choices("99") == choices()
    assert choices("") == choices()


def test_grouped_choices():
    groups = grouped_choices("12")
    assert len(groups) == 21
    assert [name for name, _ in groups][:3] == ["Skåne län", "Stockholms län", "Uppsala län"]
    skane = groups[0][1]
    assert len(skane) == 33
    assert skane[:2] == [("1260", "Bjuv"), ("1272", "Bromölla")]
    assert [name for _, name in skane][-3:] == ["Ängelholm", "Örkelljunga", "Östra Göinge"]
    assert sum(len(items) for _, items in groups) == 290

    in_code_order = grouped_choices()
    assert [name for name, _ in in_code_order] == [c.name for c in COUNTIES]


def test_swedish_sort_order():
    names = ["Östersund", "Örebro", "Ystad", "Ängelholm", "Åmål", "Övertorneå", "Alingsås", "Zeta"]
    assert sorted(names, key=swedish_sort_key) == [
        "Alingsås",
        "Ystad",
        "Zeta",
        "Åmål",
        "Ängelholm",
        "Örebro",
        "Östersund",
        "Övertorneå",
    ]
    assert sorted(["ö", "ä", "å", "z"], key=swedish_sort_key) == ["z", "å", "ä", "ö"]
    assert sorted(["Ösby", "åby", "Ärla"], key=swedish_sort_key) == ["åby", "Ärla", "Ösby"]


def test_municipalities_are_sorted_the_swedish_way():
    names = [m.name for m in MUNICIPALITIES]
    assert names.index("Ystad") < names.index("Åmål") < names.index("Ängelholm")
    assert names.index("Ängelholm") < names.index("Örebro") < names.index("Östersund")
    assert names.index("Östersund") < names.index("Övertorneå")


def test_label():
    assert label("1380") == "Halmstad (Hallands län)"
    assert label("0980") == "Gotland (Gotlands län)"
    assert label("0000") == ""
    assert label("") == ""
