"""Demo data from the seed documents (`flask --app app demo`).

The demo is data (ORGANISATIONS, EVENTS, REGISTRATIONS, INTERESTS) plus small functions that
create whatever of it is missing. Every object is looked up by its natural key (organisation name,
event slug, user e-mail, focus area and room name within the event, programme item title and start,
a registration's or interest sign-up's e-mail within the event) and created only when absent;
nothing that exists is changed, so running the command twice changes nothing and an organiser's
edits to a demo event survive. A later issue extends the demo by adding specs and an ensure_…
step to load().

Registrations are made through the registration services, as online (so capacity, the waiting
list and workshop seats come out as they would), and the e-mails those services queue are
discarded (see outbox_discarded).

Dates are "the next future occurrence" of the seed's day and month, counted from today in
Europe/Stockholm. Today itself does not count: on 27 May the Skåne forum moves to the next
year, because registration runs from today until the day before the event and needs at least
one day (see next_occurrence).
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from babel.dates import format_date
from flask_babel import force_locale
from sqlalchemy import event as orm_events
from sqlalchemy import select

from forum import tokens
from forum.auth.models import EventRole, Role, User
from forum.checkin import services as checkin
from forum.checkin.models import CheckIn, Device
from forum.db import utcnow
from forum.events.models import (
    Event,
    EventKind,
    EventStatus,
    FocusArea,
    Organisation,
    ParticipantListVisibility,
    RetentionPolicy,
    Room,
    Visibility,
)
from forum.extensions import db
from forum.invitations import services as invitations
from forum.invitations.models import InviteeSource
from forum.mail.models import OutboxMessage
from forum.privacy import audit
from forum.programme.models import (
    Appearance,
    CallStatus,
    ContributionCall,
    ProgrammeItem,
    ProgrammeItemKind,
    Proposal,
    ProposalFormat,
    ProposalStatus,
    Speaker,
)
from forum.registration import services as registrations
from forum.registration.models import (
    DietaryOption,
    Interest,
    InterestKind,
    OrganisationType,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)

ZONE_NAME = "Europe/Stockholm"
ZONE = ZoneInfo(ZONE_NAME)
# A reserved example domain: valid for the address checks (".local" is refused as special-use).
DEFAULT_ADMIN_EMAIL = "admin@example.org"

Echo = Callable[[str], object]


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    contact_email: str
    # County administrative boards keep registrations as public records; networks anonymise them.
    retention_policy: RetentionPolicy = RetentionPolicy.ANONYMISE


@dataclass(frozen=True)
class FocusAreaSpec:
    name: str
    description: str


@dataclass(frozen=True)
class RoomSpec:
    name: str
    capacity: int | None
    description: str = ""


@dataclass(frozen=True)
class ItemSpec:
    title: str
    kind: ProgrammeItemKind
    starts: time
    ends: time
    day: int = 0  # days after the event's first day
    room: str | None = None
    focus_areas: tuple[str, ...] = ()
    requires_signup: bool = False
    capacity: int | None = None
    description: str = ""


@dataclass(frozen=True)
class EventSpec:
    slug: str
    title: str
    organisation: str
    kind: EventKind
    month: int
    day: int
    starts: time
    ends: time
    days: int = 1
    # A preliminary date: the page shows "preliminärt <month> <year>"; day is then a placeholder.
    preliminary: bool = False
    summary: str = ""
    description: str = ""
    venue_name: str = ""
    venue_address: str = ""
    venue_city: str = ""
    venue_directions: str = ""
    capacity: int | None = None
    visibility: Visibility = Visibility.PUBLIC
    # Who sees the opted-in attendees at /e/<slug>/participants (forum.reports.attendee_list).
    participant_list: ParticipantListVisibility = ParticipantListVisibility.HIDDEN
    contact_email: str = ""
    focus_areas: tuple[FocusAreaSpec, ...] = ()
    rooms: tuple[RoomSpec, ...] = ()
    items: tuple[ItemSpec, ...] = ()


HALLAND = "Hela Sverige ska leva Halland"
SKANE = "Länsstyrelsen Skåne"
JAMTLAND = "Länsstyrelsen Jämtlands län"
HEALTHY_CITIES = "Healthy Cities Sverige"

# Only the Halland address comes from a seed document; the others are placeholders.
ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(HALLAND, "halland-beredskap@helasverige.se"),
    OrganisationSpec(SKANE, "lansstyrelsen-skane@example.org", RetentionPolicy.KEEP),
    OrganisationSpec(JAMTLAND, "lansstyrelsen-jamtland@example.org", RetentionPolicy.KEEP),
    OrganisationSpec(HEALTHY_CITIES, "healthy-cities@example.org"),
)

P, T, W = ProgrammeItemKind.PLENARY, ProgrammeItemKind.TALK, ProgrammeItemKind.WORKSHOP
BREAK, MEAL, PANEL, NETWORKING = (
    ProgrammeItemKind.BREAK,
    ProgrammeItemKind.MEAL,
    ProgrammeItemKind.PANEL,
    ProgrammeItemKind.NETWORKING,
)


def _t(text: str) -> time:
    hour, minute = text.split(".")
    return time(int(hour), int(minute))


# From seed 000: Hela Sverige ska leva Halland, invitation to collaborate on long-term preparedness.
HALLAND_AREAS = (
    FocusAreaSpec("Vatten", "Fungerande vattenförsörjning och landskapets vattenhållning."),
    FocusAreaSpec("Värme och energi", "Värme och energi som fungerar lokalt, även när det vanliga systemet sviktar."),
    FocusAreaSpec(
        "Mat och lokal livsmedelsproduktion",
        "Lokal livsmedelsproduktion, jordarnas bördighet och lokal försörjningsförmåga.",
    ),
    FocusAreaSpec("Omsorg och vardagsstöd", "Omsorg om varandra och stöd i vardagen, i byn, samhället och stadsdelen."),
    FocusAreaSpec(
        "Information, samverkan och gemenskap",
        "Människors möjlighet att samverka, dela kunskap och organisera sig.",
    ),
)

HALLAND_DESCRIPTION = """\
Hela Sverige ska leva Halland bjuder in till samverkan för att stärka den **långsiktiga
beredskapen** i Halland – på landsbygderna, i samhällen och i städer.

Långsiktig beredskap handlar inte enbart om hur vi organiserar oss när en kris uppstår, utan
också om hur vi i vardagen stärker det som gör lokalsamhällen mindre sårbara: livskraftiga
ekosystem, mat och lokal livsmedelsproduktion, fungerande vatten och energi, praktisk
handlingskraft och starka nätverk mellan människor.

## Vem är mötet för?

Temamötet samlar lokala och regionala aktörer, myndigheter, föreningar, sakkunniga och
engagerade människor från olika delar av länet. Syftet är att dela erfarenheter, lyfta fram
goda exempel och skapa nya kontakter som kan föra arbetet vidare.

## Fem områden

Arbetet utgår från fem områden: de tre första handlar om grundläggande försörjning, det fjärde
om omsorg och vardagsstöd och det femte om människors möjlighet att samverka, dela kunskap och
organisera sig. Under dagen finns en workshop för varje område.

## Följ, bidra eller delta

Datumet är preliminärt. Anmäl ditt intresse om du vill **följa, bidra till eller delta i**
arbetet – och berätta gärna om lokala initiativ och goda exempel.
"""

HALLAND_ITEMS = (
    ItemSpec("Registrering och kaffe", BREAK, _t("9.00"), _t("9.30"), room="Stora salen"),
    ItemSpec(
        "Välkomna – långsiktig beredskap i Halland",
        P,
        _t("9.30"),
        _t("10.30"),
        room="Stora salen",
        description="Varför långsiktig beredskap, och hur ett levande nätverk i Halland kan växa fram.",
    ),
    ItemSpec(
        "Workshop: Vatten",
        W,
        _t("10.45"),
        _t("12.00"),
        room="Grupprum Ätran",
        focus_areas=("Vatten",),
        requires_signup=True,
        capacity=25,
    ),
    ItemSpec(
        "Workshop: Värme och energi",
        W,
        _t("10.45"),
        _t("12.00"),
        room="Grupprum Nissan",
        focus_areas=("Värme och energi",),
        requires_signup=True,
        capacity=25,
    ),
    ItemSpec(
        "Workshop: Mat och lokal livsmedelsproduktion",
        W,
        _t("10.45"),
        _t("12.00"),
        room="Grupprum Lagan",
        focus_areas=("Mat och lokal livsmedelsproduktion",),
        requires_signup=True,
        capacity=25,
    ),
    ItemSpec("Lunch", MEAL, _t("12.00"), _t("13.00")),
    ItemSpec(
        "Workshop: Omsorg och vardagsstöd",
        W,
        _t("13.00"),
        _t("14.15"),
        room="Grupprum Viskan",
        focus_areas=("Omsorg och vardagsstöd",),
        requires_signup=True,
        capacity=25,
    ),
    ItemSpec(
        "Workshop: Information, samverkan och gemenskap",
        W,
        _t("13.00"),
        _t("14.15"),
        room="Grupprum Suseån",
        focus_areas=("Information, samverkan och gemenskap",),
        requires_signup=True,
        capacity=25,
    ),
    ItemSpec("Kaffe", BREAK, _t("14.15"), _t("14.45")),
    ItemSpec(
        "Lokala initiativ som visar vägen",
        P,
        _t("14.45"),
        _t("15.30"),
        room="Stora salen",
        description="Goda exempel från olika delar av Halland, och hur de kan spridas.",
    ),
    ItemSpec("Avslutning och vägen framåt", P, _t("15.30"), _t("16.00"), room="Stora salen"),
)

# From seed 001: the Länsstyrelsen Skåne slide deck; each talk is a slide heading.
SKANE_ITEMS = (
    ItemSpec("Registrering och kaffe", BREAK, _t("9.00"), _t("9.30"), room="Foajén"),
    ItemSpec(
        "Välkomna – ökad samverkan för ett robust och hållbart samhälle",
        P,
        _t("9.30"),
        _t("9.45"),
        room="Plenisalen",
    ),
    ItemSpec(
        "Samhällets nya verklighet",
        T,
        _t("9.45"),
        _t("10.05"),
        room="Plenisalen",
        description="- Geopolitisk oro och totalförsvaret\n- Klimatförändringar och social sårbarhet\n"
        "- Polarisering, desinformation och minskad tillit\n- Behov av lokal motståndskraft och samverkan",
    ),
    ItemSpec(
        "Vad är civilsamhället?",
        T,
        _t("10.05"),
        _t("10.25"),
        room="Plenisalen",
        description="- En arena skild från stat, marknad och familj\n"
        "- Människor organiserar sig kring gemensamma intressen\n"
        "- Demokratisk delaktighet och social sammanhållning",
    ),
    ItemSpec(
        "Civilsamhällets tre funktioner",
        T,
        _t("10.25"),
        _t("10.45"),
        room="Plenisalen",
        description="- **Röst** – opinionsbildning och demokrati\n"
        "- **Gemenskap** – tillit, inkludering och lokala relationer\n"
        "- **Service** – stöd, välfärd och mobilisering",
    ),
    ItemSpec("Kaffe", BREAK, _t("10.45"), _t("11.05"), room="Foajén"),
    ItemSpec(
        "Samhällskontrakt under omförhandling",
        T,
        _t("11.05"),
        _t("11.25"),
        room="Plenisalen",
        description="- Relationerna mellan stat, marknad och civilsamhälle förändras\n"
        "- Nya former för samverkan växer fram\n- Samverkan får inte urholka civilsamhällets oberoende",
    ),
    ItemSpec(
        "Ukraina – ett samhälle som håller",
        T,
        _t("11.25"),
        _t("11.50"),
        room="Plenisalen",
        description="- Lokala nätverk mobiliserades snabbt\n- Civilsamhället blev samhällsbärande\n"
        "- Tillit och organisering blev strategiska resurser\n\n"
        "Vad gjorde civilsamhället i Ukraina? Evakuering och försörjning, informationsspridning, "
        "psykosocialt stöd och stöd till internflyktingar.",
    ),
    ItemSpec(
        "Fyra lärdomar för Sverige",
        T,
        _t("11.50"),
        _t("12.15"),
        room="Plenisalen",
        description="- Relationer måste byggas före krisen\n- Lokal tillit är en strategisk resurs\n"
        "- Civilsamhällets självständighet är en styrka\n- Samverkan måste vara etablerad före störningen",
    ),
    ItemSpec("Lunch", MEAL, _t("12.15"), _t("13.15"), room="Foajén"),
    ItemSpec(
        "Varför växlar Länsstyrelsen Skåne upp?",
        T,
        _t("13.15"),
        _t("13.45"),
        room="Plenisalen",
        description="- Geografiskt områdesansvar och totalförsvaret\n"
        "- Behov av fungerande samverkan i fredstid och höjd beredskap\n"
        "- Överenskommelsen Skåne som plattform",
    ),
    ItemSpec(
        "Vad idéburen sektor bidrar med",
        T,
        _t("13.45"),
        _t("14.15"),
        room="Plenisalen",
        description="- När grupper offentlig sektor har svårt att nå\n- Snabb mobilisering och lokal närvaro\n"
        "- Innovation, röst och gemenskap\n- Relationer och förtroende över tid",
    ),
    ItemSpec(
        "Principer för samverkan",
        T,
        _t("14.15"),
        _t("14.45"),
        room="Plenisalen",
        description="- Självständighet och oberoende\n- Dialog och ömsesidighet\n- Kvalitet och transparens\n"
        "- Långsiktighet och hållbarhet",
    ),
    ItemSpec("Kaffe", BREAK, _t("14.45"), _t("15.05"), room="Foajén"),
    ItemSpec(
        "Vägen framåt",
        T,
        _t("15.05"),
        _t("15.40"),
        room="Plenisalen",
        description="- Bygga relationer före krisen\n- Utveckla långsiktiga samverkansformer\n"
        "- Inkludera fler röster och perspektiv\n- Gemensamma övningar och lärande",
    ),
    ItemSpec(
        "Avslutning – ett robust och hållbart samhälle",
        P,
        _t("15.40"),
        _t("16.00"),
        room="Plenisalen",
        description="Ett robust samhälle byggs av människor som organiserar sig tillsammans.",
    ),
)

# From seed 002: the regional council's tasks and its direction for the coming years.
JAMTLAND_ITEMS = (
    ItemSpec("Välkomna – landshövdingen inleder", P, _t("9.30"), _t("9.45"), room="Stora sammanträdesrummet"),
    ItemSpec(
        "Omvärldsbevakning och gemensam lägesbild",
        T,
        _t("9.45"),
        _t("10.30"),
        room="Stora sammanträdesrummet",
        description="En gemensam bild på strategisk nivå inom området beredskap.",
    ),
    ItemSpec(
        "Uppföljning av arbetet i länet",
        T,
        _t("10.30"),
        _t("11.00"),
        room="Stora sammanträdesrummet",
        description="Uppföljning på strategisk nivå av arbetet som genomförs i länet.",
    ),
    ItemSpec("Kaffe", BREAK, _t("11.00"), _t("11.15")),
    ItemSpec(
        "Inriktning för kommande fyra år",
        PANEL,
        _t("11.15"),
        _t("12.00"),
        room="Stora sammanträdesrummet",
        description="Beslut om inriktningen för det länsgemensamma arbetet under mandatperioden.",
    ),
    ItemSpec(
        "Ledningsförmåga och värdlandsstöd",
        T,
        _t("12.00"),
        _t("12.30"),
        room="Stora sammanträdesrummet",
        description="Förbättringar av den länsgemensamma ledningsförmågan och förmågan att genomföra "
        "värdlandsstöd, genom metodutveckling, kompetenshöjande insatser och övningar.",
    ),
    ItemSpec("Lunch", MEAL, _t("12.30"), _t("13.30")),
)

# From seed 004: the commitments of the Healthy Cities Sverige declaration ("vill visa vägen genom att").
HEALTHY_CITIES_AREAS = (
    FocusAreaSpec(
        "Social hållbarhet i styrning och beslutsunderlag",
        "Jämlik och jämställd hälsa, mänskliga rättigheter och social hållbarhet i styrning, analyser och "
        "beslutsunderlag inom krisberedskap och civilt försvar.",
    ),
    FocusAreaSpec(
        "Civilsamhälle och mötesplatser",
        "Stöd till civilsamhället och mötesplatser för gemenskap, och långsiktiga partnerskap för lokalt engagemang.",
    ),
    FocusAreaSpec(
        "Delaktighet, tillit och lokala nätverk",
        "Delaktighet, tillit, inkludering och lokala nätverk: kännedom om närmiljön är central vid kriser.",
    ),
    FocusAreaSpec(
        "Psykisk hälsa och psykosocialt stöd",
        "Psykisk hälsa och psykosocialt stöd som en del av beredskapsarbetet.",
    ),
    FocusAreaSpec(
        "Samverkan i Europa",
        "Samverkan med kommuner, regioner och länder i Europa för den motståndskraft vi behöver.",
    ),
)

# From seed 004: the Healthy Cities Sverige declaration.
HEALTHY_CITIES_ITEMS = (
    ItemSpec("Registrering och kaffe", BREAK, _t("9.30"), _t("10.00"), room="Foajén"),
    ItemSpec("Välkomna till Örebro", P, _t("10.00"), _t("10.30"), room="Plenisalen"),
    ItemSpec(
        "Hälsa som grund för beredskap och handlingskraft",
        T,
        _t("10.30"),
        _t("11.15"),
        room="Plenisalen",
        description="När människor mår bra, känner mening och upplever gemenskap stärks tilliten och "
        "samhällets förmåga att stå emot påfrestningar.",
    ),
    ItemSpec(
        "Ojämlika livsvillkor i kris",
        PANEL,
        _t("11.15"),
        _t("12.00"),
        room="Plenisalen",
        description="Kriser slår hårdast mot barn, unga och redan utsatta grupper.",
    ),
    ItemSpec("Lunch", MEAL, _t("12.00"), _t("13.00")),
    ItemSpec(
        "Workshop: Social hållbarhet i styrning och beslutsunderlag",
        W,
        _t("13.00"),
        _t("14.30"),
        room="Grupprum A",
        focus_areas=("Social hållbarhet i styrning och beslutsunderlag",),
        requires_signup=True,
        capacity=30,
    ),
    ItemSpec(
        "Workshop: Civilsamhället och mötesplatser för gemenskap",
        W,
        _t("13.00"),
        _t("14.30"),
        room="Grupprum B",
        focus_areas=("Civilsamhälle och mötesplatser",),
        requires_signup=True,
        capacity=30,
    ),
    # A small group, so that the demo shows a full workshop with its own waiting list.
    ItemSpec(
        "Workshop: Delaktighet, tillit och lokala nätverk",
        W,
        _t("13.00"),
        _t("14.30"),
        room="Grupprum C",
        focus_areas=("Delaktighet, tillit och lokala nätverk",),
        requires_signup=True,
        capacity=6,
        description="Kännedom om närmiljön är central vid kriser. Ett samtal i liten grupp om hur kommuner "
        "och regioner stärker delaktighet, tillit och lokala nätverk.",
    ),
    ItemSpec("Kaffe", BREAK, _t("14.30"), _t("15.00"), room="Foajén"),
    ItemSpec(
        "Psykisk hälsa och psykosocialt stöd i beredskapsarbetet",
        T,
        _t("15.00"),
        _t("16.30"),
        room="Plenisalen",
        focus_areas=("Psykisk hälsa och psykosocialt stöd",),
    ),
    ItemSpec("Nätverksmiddag", NETWORKING, _t("18.30"), _t("21.00")),
    ItemSpec(
        "Desinformation, polarisering och tillit",
        T,
        _t("9.00"),
        _t("10.00"),
        day=1,
        room="Plenisalen",
        description="En kunskapsbaserad och nyanserad omvärldsbild stärker psykisk hälsa och motståndskraft.",
    ),
    ItemSpec(
        "Samverkan med kommuner, regioner och länder i Europa",
        PANEL,
        _t("10.00"),
        _t("11.00"),
        day=1,
        room="Plenisalen",
        focus_areas=("Samverkan i Europa",),
    ),
    ItemSpec("Kaffe", BREAK, _t("11.00"), _t("11.30"), day=1, room="Foajén"),
    ItemSpec(
        "Gemensamt ställningstagande: för ett socialt hållbart och motståndskraftigt samhälle",
        P,
        _t("11.30"),
        _t("12.30"),
        day=1,
        room="Plenisalen",
    ),
    ItemSpec("Lunch", MEAL, _t("12.30"), _t("13.30"), day=1),
    ItemSpec("Nätverket prioriterar – det kommande året", P, _t("13.30"), _t("15.00"), day=1, room="Plenisalen"),
)

EVENTS: tuple[EventSpec, ...] = (
    EventSpec(
        slug="halland-beredskap",
        title="Temamöte om långsiktig beredskap i Halland",
        organisation=HALLAND,
        kind=EventKind.THEME_MEETING,
        month=10,
        day=15,
        starts=_t("9.00"),
        ends=_t("16.00"),
        preliminary=True,
        summary="Ett temamöte för lokala och regionala aktörer, myndigheter, föreningar, sakkunniga och "
        "engagerade invånare som vill stärka den långsiktiga beredskapen i Halland.",
        description=HALLAND_DESCRIPTION,
        venue_city="Halmstad",
        venue_directions="Lokalen meddelas när datumet är bestämt.",
        contact_email="halland-beredskap@helasverige.se",
        focus_areas=HALLAND_AREAS,
        rooms=(
            RoomSpec("Stora salen", 120),
            RoomSpec("Grupprum Ätran", 25),
            RoomSpec("Grupprum Nissan", 25),
            RoomSpec("Grupprum Lagan", 25),
            RoomSpec("Grupprum Viskan", 25),
            RoomSpec("Grupprum Suseån", 25),
        ),
        items=HALLAND_ITEMS,
    ),
    EventSpec(
        slug="skane-forum",
        title="Regionalt forum – Överenskommelsen Skåne",
        organisation=SKANE,
        kind=EventKind.REGIONAL_FORUM,
        month=5,
        day=27,
        starts=_t("9.00"),
        ends=_t("16.00"),
        summary="Varför Länsstyrelsen Skåne växlar upp arbetet med idéburen sektor: ökad samverkan för "
        "ett robust och hållbart samhälle.",
        description="""\
Länsstyrelsen Skåne har det geografiska områdesansvaret för Skåne län och är högsta regionala
civila totalförsvarsmyndighet. Därför behövs en fungerande samverkan med civilsamhällets aktörer
redan i fredstid – en samarbetsform som också bär under höjd beredskap.

Forumet handlar om civilsamhällets roll, lärdomar från Ukraina och den gemensamma viljeinriktningen
för Idéburet offentligt partnerskap (IOP) mellan Länsstyrelsen Skåne och Nätverket – Idéburen
sektor Skåne, med utgångspunkt i Överenskommelsen Skåne.
""",
        venue_name="Länsstyrelsen Skåne",
        venue_city="Malmö",
        capacity=150,
        contact_email="lansstyrelsen-skane@example.org",
        rooms=(RoomSpec("Plenisalen", 150), RoomSpec("Foajén", 150)),
        items=SKANE_ITEMS,
    ),
    EventSpec(
        slug="jamtland-radet",
        title="Regionala rådet för samhällsberedskap",
        organisation=JAMTLAND,
        kind=EventKind.COUNCIL_MEETING,
        month=12,
        day=8,
        starts=_t("9.30"),
        ends=_t("13.30"),
        summary="Rådet samlar länets kommuner, Region Jämtland Härjedalen, räddningstjänsten, polisen, "
        "Säkerhetspolisen och Försvarsmakten hos landshövdingen.",
        description="""\
Regionala rådet för samhällsberedskap inriktar det länsgemensamma arbetet inom samhällsberedskap.
Rådet omvärldsbevakar och skapar en gemensam bild på strategisk nivå, följer upp arbetet i länet
och bestämmer inriktningen för de kommande fyra årens arbete.

Mötet är endast för inbjudna.
""",
        venue_name="Länsresidenset",
        venue_address="Residensgränd 7",
        venue_city="Östersund",
        # One seat per member of the council (eight municipalities, the region, the rescue services,
        # the police, the security service, the armed forces, the county board); a second person from
        # a member goes on the waiting list.
        capacity=14,
        visibility=Visibility.INVITATION,
        contact_email="lansstyrelsen-jamtland@example.org",
        rooms=(RoomSpec("Stora sammanträdesrummet", 40),),
        items=JAMTLAND_ITEMS,
    ),
    EventSpec(
        slug="healthy-cities",
        title="Healthy Cities Sverige – nätverksträff",
        organisation=HEALTHY_CITIES,
        kind=EventKind.NETWORK_MEETING,
        month=3,
        day=19,
        days=2,
        starts=_t("10.00"),
        ends=_t("15.00"),
        summary="Två dagar för kommuner och regioner i nätverket: för ett socialt hållbart och "
        "motståndskraftigt samhälle.",
        description="""\
Medlemmarna i Healthy Cities Sverige samlas i Örebro för att tillsammans stärka social
hållbarhet samt jämlik och jämställd hälsa som en del av Sveriges beredskap.

God, jämlik och jämställd hälsa är en grundpelare för beredskap och handlingskraft. Under två
dagar delar vi erfarenheter om social sammanhållning, civilsamhällets mötesplatser, psykisk hälsa
och psykosocialt stöd, desinformation och samverkan i Europa.
""",
        venue_city="Örebro",
        capacity=120,
        participant_list=ParticipantListVisibility.ATTENDEES,
        contact_email="healthy-cities@example.org",
        focus_areas=HEALTHY_CITIES_AREAS,
        rooms=(
            RoomSpec("Plenisalen", 120),
            RoomSpec("Grupprum A", 30),
            RoomSpec("Grupprum B", 30),
            RoomSpec("Grupprum C", 8),
            RoomSpec("Foajén", 120),
        ),
        items=HEALTHY_CITIES_ITEMS,
    ),
)


# --- registrations and interest sign-ups ---------------------------------------------------------
#
# Invented people from the kinds of organisations the seed documents address. Addresses are under
# the reserved example.org/example.com domains; mobile numbers are from the range 070-174 06 05 …
# 070-174 06 99 that PTS keeps for use in fiction. Municipalities are SCB codes
# (forum.registration.municipalities).


@dataclass(frozen=True)
class RegistrationSpec:
    first_name: str
    last_name: str
    email: str
    organisation: str
    organisation_type: OrganisationType
    municipality: str  # SCB code
    phone: str = ""
    focus_areas: tuple[str, ...] = ()  # names of the event's focus areas
    workshops: tuple[str, ...] = ()  # titles of the event's items that need sign-up
    contribution: str = ""
    participant_list: bool = False
    keep_informed: bool = False
    # Health data, given with the separate consent when any of it is there.
    dietary: tuple[DietaryOption, ...] = ()
    dietary_other: str = ""
    accessibility: str = ""
    language: str = "sv"
    by_organiser: bool = False  # added by an organiser (a registration by phone)
    cancelled: bool = False  # cancels once everyone of the event has registered


@dataclass(frozen=True)
class InterestSpec:
    name: str
    email: str
    organisation: str
    kinds: tuple[InterestKind, ...]
    language: str = "sv"


MUNICIPALITY, REGION, STATE, NON_PROFIT, COMPANY, FARM, FAITH, PRIVATE, OTHER = (
    OrganisationType.MUNICIPALITY,
    OrganisationType.REGION,
    OrganisationType.STATE,
    OrganisationType.NON_PROFIT,
    OrganisationType.COMPANY,
    OrganisationType.FARM,
    OrganisationType.FAITH,
    OrganisationType.PRIVATE,
    OrganisationType.OTHER,
)
FOLLOW, CONTRIBUTE, TAKE_PART = InterestKind.FOLLOW, InterestKind.CONTRIBUTE, InterestKind.TAKE_PART
VEGETARIAN, VEGAN, GLUTEN, LACTOSE, NUTS = (
    DietaryOption.VEGETARIAN,
    DietaryOption.VEGAN,
    DietaryOption.GLUTEN,
    DietaryOption.LACTOSE,
    DietaryOption.NUTS,
)

# A public forum with room for everyone: all confirmed, two cancel.
SKANE_REGISTRATIONS = (
    RegistrationSpec(
        "Åsa",
        "Öberg",
        "asa.oberg@malmo.example.org",
        "Malmö stad",
        MUNICIPALITY,
        "1280",
        phone="070-174 06 05",
        contribution="Hur Malmö stad bygger upp samverkan med föreningslivet inför höjd beredskap.",
        participant_list=True,
        keep_informed=True,
        dietary=(VEGETARIAN,),
    ),
    RegistrationSpec(
        "Karin",
        "Bengtsson",
        "karin.bengtsson@idebursektor-skane.example.org",
        "Nätverket – Idéburen sektor Skåne",
        NON_PROFIT,
        "1281",
        phone="070-174 06 06",
        contribution="Erfarenheter från arbetet med IOP och Överenskommelsen Skåne.",
        participant_list=True,
        keep_informed=True,
    ),
    RegistrationSpec(
        "Nguyễn",
        "Thị Lan",
        "lan.nguyen@lund.example.org",
        "Lunds kommun",
        MUNICIPALITY,
        "1281",
        participant_list=True,
        dietary=(GLUTEN,),
    ),
    RegistrationSpec(
        "Zoë",
        "Hughes",
        "zoe.hughes@lu.example.org",
        "Lunds universitet",
        OTHER,
        "1281",
        phone="070-174 06 07",
        contribution="Research on civil society and resilience in Ukraine; happy to share findings.",
        keep_informed=True,
        language="en",
    ),
    RegistrationSpec(
        "Mats",
        "Håkansson",
        "mats.hakansson@civilforsvar.example.org",
        "Civilförsvarsförbundet Skåne",
        NON_PROFIT,
        "1283",
        phone="070-174 06 08",
        contribution="Frivilliga resursgrupper och utbildning i hemberedskap.",
        participant_list=True,
    ),
    RegistrationSpec(
        "Birgitta",
        "Nilsson",
        "birgitta.nilsson@lottorna.example.org",
        "Lottorna Skåne",
        NON_PROFIT,
        "1290",
        phone="070-174 06 09",
        dietary=(LACTOSE,),
        cancelled=True,
    ),
    RegistrationSpec(
        "Per-Olof",
        "Persson",
        "per-olof.persson@svenskakyrkan.example.org",
        "Svenska kyrkan, Lunds stift",
        FAITH,
        "1281",
        contribution="Församlingarnas roll i krisstöd och psykosocialt omhändertagande.",
        participant_list=True,
        keep_informed=True,
    ),
    RegistrationSpec(
        "Fatima",
        "El-Sayed",
        "fatima.el-sayed@helsingborg.example.org",
        "Helsingborgs stad",
        MUNICIPALITY,
        "1283",
        phone="070-174 06 10",
        dietary=(VEGETARIAN,),
        accessibility="Hörslinga i salen, tack.",
    ),
    RegistrationSpec(
        "Sven",
        "Jönsson",
        "sven.jonsson@example.com",
        "Jönssons gård, Österlen",
        FARM,
        "1291",
        phone="070-174 06 11",
        contribution="Lokal livsmedelsproduktion och gårdens reservkraft.",
        by_organiser=True,
    ),
    RegistrationSpec(
        "Lina",
        "Strömberg",
        "lina.stromberg@skane.example.org",
        "Region Skåne",
        REGION,
        "1290",
        phone="070-174 06 12",
        participant_list=True,
        keep_informed=True,
        dietary=(VEGAN, NUTS),
    ),
    RegistrationSpec(
        "Eva",
        "Lindgren",
        "eva.lindgren@helasverige.example.org",
        "Hela Sverige ska leva Skåne",
        NON_PROFIT,
        "1286",
        contribution="Lokala utvecklingsgrupper på landsbygden och deras beredskapsarbete.",
        participant_list=True,
    ),
    RegistrationSpec(
        "Anders",
        "Ölund",
        "anders.olund@example.com",
        "",
        PRIVATE,
        "1285",
        cancelled=True,
    ),
    RegistrationSpec(
        "Rasmus",
        "Klint",
        "rasmus.klint@lokalkraft.example.com",
        "Lokal Kraft Skåne AB",
        COMPANY,
        "1287",
        phone="070-174 06 13",
        contribution="Solceller och batterilager för samlingslokaler.",
    ),
)

# The council has 14 seats, one per member (see the event spec); three members send a second
# person, who goes on the waiting list. The police's representative cancels: the first on the
# waiting list gets the seat and two stay waiting.
JAMTLAND_REGISTRATIONS = (
    RegistrationSpec(
        "Erik",
        "Sundqvist",
        "erik.sundqvist@ostersund.example.org",
        "Östersunds kommun",
        MUNICIPALITY,
        "2380",
        phone="070-174 06 20",
    ),
    RegistrationSpec("Malin", "Olofsson", "malin.olofsson@krokom.example.org", "Krokoms kommun", MUNICIPALITY, "2309"),
    RegistrationSpec(
        "Jonas",
        "Hällström",
        "jonas.hallstrom@stromsund.example.org",
        "Strömsunds kommun",
        MUNICIPALITY,
        "2313",
        dietary=(LACTOSE,),
    ),
    RegistrationSpec("Ingrid", "Westin", "ingrid.westin@are.example.org", "Åre kommun", MUNICIPALITY, "2321"),
    RegistrationSpec(
        "Nils",
        "Bäckström",
        "nils.backstrom@berg.example.org",
        "Bergs kommun",
        MUNICIPALITY,
        "2326",
        phone="070-174 06 21",
    ),
    RegistrationSpec(
        "Sara",
        "Mattsson",
        "sara.mattsson@herjedalen.example.org",
        "Härjedalens kommun",
        MUNICIPALITY,
        "2361",
        dietary=(VEGETARIAN,),
    ),
    RegistrationSpec("Göran", "Edholm", "goran.edholm@bracke.example.org", "Bräcke kommun", MUNICIPALITY, "2305"),
    RegistrationSpec(
        "Lena",
        "Åkesson",
        "lena.akesson@ragunda.example.org",
        "Ragunda kommun",
        MUNICIPALITY,
        "2303",
        accessibility="Rullator; behöver en plats nära dörren.",
    ),
    RegistrationSpec(
        "Peter",
        "Grönlund",
        "peter.gronlund@regionjh.example.org",
        "Region Jämtland Härjedalen",
        REGION,
        "2380",
        phone="070-174 06 22",
    ),
    RegistrationSpec(
        "Ulrika",
        "Norberg",
        "ulrika.norberg@jrf.example.org",
        "Jämtlands räddningstjänstförbund",
        MUNICIPALITY,
        "2380",
    ),
    RegistrationSpec(
        "Anders",
        "Fjällström",
        "anders.fjallstrom@polisen.example.org",
        "Polisen, region Mitt",
        STATE,
        "2380",
        cancelled=True,
    ),
    RegistrationSpec(
        "Kristina", "Lund", "kristina.lund@sakerhetspolisen.example.org", "Säkerhetspolisen", STATE, "2380"
    ),
    RegistrationSpec(
        "Mikael",
        "Ödling",
        "mikael.odling@forsvarsmakten.example.org",
        "Försvarsmakten",
        STATE,
        "2380",
        dietary=(GLUTEN,),
    ),
    RegistrationSpec(
        "Karin",
        "Dahlberg",
        "karin.dahlberg@lansstyrelsen-z.example.org",
        "Länsstyrelsen Jämtlands län",
        STATE,
        "2380",
        phone="070-174 06 23",
    ),
    RegistrationSpec("Emma", "Rydén", "emma.ryden@ostersund.example.org", "Östersunds kommun", MUNICIPALITY, "2380"),
    RegistrationSpec(
        "Amir",
        "Haddad",
        "amir.haddad@regionjh.example.org",
        "Region Jämtland Härjedalen",
        REGION,
        "2380",
        phone="070-174 06 24",
    ),
    RegistrationSpec("Oskar", "Lindahl", "oskar.lindahl@krokom.example.org", "Krokoms kommun", MUNICIPALITY, "2309"),
)

HC_GOVERNANCE = "Workshop: Social hållbarhet i styrning och beslutsunderlag"
HC_CIVIL_SOCIETY = "Workshop: Civilsamhället och mötesplatser för gemenskap"
HC_NETWORKS = "Workshop: Delaktighet, tillit och lokala nätverk"

# Members from across the country. The small workshop on local networks (6 seats) fills up;
# one of its participants cancels, so the first on its waiting list gets the seat and two wait.
HEALTHY_CITIES_REGISTRATIONS = (
    RegistrationSpec(
        "Linnea",
        "Forsberg",
        "linnea.forsberg@orebro.example.org",
        "Örebro kommun",
        MUNICIPALITY,
        "1880",
        phone="070-174 06 30",
        focus_areas=("Delaktighet, tillit och lokala nätverk", "Civilsamhälle och mötesplatser"),
        workshops=(HC_NETWORKS,),
        participant_list=True,
        keep_informed=True,
    ),
    RegistrationSpec(
        "Magnus",
        "Holm",
        "magnus.holm@regionorebro.example.org",
        "Region Örebro län",
        REGION,
        "1880",
        focus_areas=("Social hållbarhet i styrning och beslutsunderlag",),
        workshops=(HC_GOVERNANCE,),
        participant_list=True,
    ),
    RegistrationSpec(
        "Łukasz",
        "Kowalczyk",
        "lukasz.kowalczyk@kungsbacka.example.org",
        "Kungsbacka kommun",
        MUNICIPALITY,
        "1384",
        phone="070-174 06 31",
        focus_areas=("Delaktighet, tillit och lokala nätverk", "Samverkan i Europa"),
        workshops=(HC_NETWORKS,),
        contribution="Erfarenheter från vänortssamarbete med Polen om civilt försvar.",
        participant_list=True,
        dietary=(NUTS,),
    ),
    RegistrationSpec(
        "Sofia",
        "Bergqvist",
        "sofia.bergqvist@halmstad.example.org",
        "Halmstads kommun",
        MUNICIPALITY,
        "1380",
        focus_areas=("Delaktighet, tillit och lokala nätverk",),
        workshops=(HC_NETWORKS,),
        keep_informed=True,
    ),
    RegistrationSpec(
        "Helena",
        "Åberg",
        "helena.aberg@varberg.example.org",
        "Varbergs kommun",
        MUNICIPALITY,
        "1383",
        phone="070-174 06 32",
        workshops=(HC_NETWORKS,),
        dietary=(VEGETARIAN,),
        cancelled=True,
    ),
    RegistrationSpec(
        "Daniel",
        "Öst",
        "daniel.ost@ostersund.example.org",
        "Östersunds kommun",
        MUNICIPALITY,
        "2380",
        focus_areas=("Civilsamhälle och mötesplatser",),
        workshops=(HC_CIVIL_SOCIETY,),
        participant_list=True,
    ),
    RegistrationSpec(
        "Maria",
        "Lundgren",
        "maria.lundgren@regionhalland.example.org",
        "Region Halland",
        REGION,
        "1380",
        phone="070-174 06 33",
        focus_areas=("Psykisk hälsa och psykosocialt stöd", "Delaktighet, tillit och lokala nätverk"),
        workshops=(HC_NETWORKS,),
        contribution="Regionens arbete med psykosocialt stöd vid kriser.",
        participant_list=True,
        keep_informed=True,
    ),
    RegistrationSpec(
        "Jenny",
        "Karlsson",
        "jenny.karlsson@helsingborg.example.org",
        "Helsingborgs stad",
        MUNICIPALITY,
        "1283",
        workshops=(HC_NETWORKS,),
        dietary=(VEGAN,),
        dietary_other="Inga baljväxter.",
    ),
    RegistrationSpec(
        "Ahmed",
        "Yusuf",
        "ahmed.yusuf@malmo.example.org",
        "Malmö stad",
        MUNICIPALITY,
        "1280",
        phone="070-174 06 34",
        focus_areas=("Delaktighet, tillit och lokala nätverk",),
        workshops=(HC_NETWORKS,),
        participant_list=True,
    ),
    RegistrationSpec(
        "Camilla",
        "Berg",
        "camilla.berg@falkenberg.example.org",
        "Falkenbergs kommun",
        MUNICIPALITY,
        "1382",
        focus_areas=("Social hållbarhet i styrning och beslutsunderlag",),
        workshops=(HC_GOVERNANCE,),
    ),
    RegistrationSpec(
        "Tove",
        "Lindström",
        "tove.lindstrom@umea.example.org",
        "Umeå kommun",
        MUNICIPALITY,
        "2480",
        focus_areas=("Delaktighet, tillit och lokala nätverk", "Psykisk hälsa och psykosocialt stöd"),
        workshops=(HC_NETWORKS,),
        dietary=(GLUTEN, LACTOSE),
        accessibility="Använder rullstol.",
    ),
    RegistrationSpec(
        "Rickard",
        "Sjöberg",
        "rickard.sjoberg@laholm.example.org",
        "Laholms kommun",
        MUNICIPALITY,
        "1381",
        workshops=(HC_GOVERNANCE,),
        keep_informed=True,
    ),
    RegistrationSpec(
        "Annika",
        "Holmgren",
        "annika.holmgren@hylte.example.org",
        "Hylte kommun",
        MUNICIPALITY,
        "1315",
        phone="070-174 06 35",
        focus_areas=("Delaktighet, tillit och lokala nätverk",),
        workshops=(HC_NETWORKS,),
        participant_list=True,
    ),
    RegistrationSpec(
        "Elin",
        "Norén",
        "elin.noren@skane.example.org",
        "Region Skåne",
        REGION,
        "1280",
        focus_areas=("Civilsamhälle och mötesplatser", "Samverkan i Europa"),
        workshops=(HC_CIVIL_SOCIETY,),
    ),
)

# Registrations per event slug, made in this order.
REGISTRATIONS: dict[str, tuple[RegistrationSpec, ...]] = {
    "skane-forum": SKANE_REGISTRATIONS,
    "jamtland-radet": JAMTLAND_REGISTRATIONS,
    "healthy-cities": HEALTHY_CITIES_REGISTRATIONS,
}

# Replies to the Halland invitation, which asks whether one wants to follow, contribute to or take
# part in the work. Recorded only while the event's date is preliminary (its form is then the interest form).
HALLAND_INTERESTS = (
    InterestSpec("Maja Håkansson", "maja.hakansson@hylte.example.org", "Hylte kommun", (FOLLOW, TAKE_PART)),
    InterestSpec("Björn Axelsson", "bjorn.axelsson@example.com", "Axelssons gård, Laholm", (CONTRIBUTE, TAKE_PART)),
    InterestSpec(
        "Ingela Rosén", "ingela.rosen@svenskakyrkan.example.org", "Svenska kyrkan, Varbergs pastorat", (TAKE_PART,)
    ),
    InterestSpec("Ola Grahn", "ola.grahn@example.com", "Tvååkers hembygdsförening", (CONTRIBUTE,)),
    InterestSpec(
        "Sanna Nyström",
        "sanna.nystrom@rodakorset.example.org",
        "Röda Korset Falkenberg",
        (FOLLOW, CONTRIBUTE, TAKE_PART),
    ),
    InterestSpec("Gunnel Ek", "gunnel.ek@lottorna.example.org", "Lottorna Halland", (TAKE_PART,)),
    InterestSpec(
        "Tomas Wikström", "tomas.wikstrom@civilforsvar.example.org", "Civilförsvarsförbundet Halland", (CONTRIBUTE,)
    ),
    InterestSpec(
        "Anna-Karin Johansson",
        "anna-karin.johansson@lansstyrelsen-n.example.org",
        "Länsstyrelsen i Hallands län",
        (FOLLOW,),
    ),
    InterestSpec(
        "Jakob Petersson", "jakob.petersson@regionhalland.example.org", "Region Halland", (FOLLOW, CONTRIBUTE)
    ),
    InterestSpec("Emil Strand", "emil.strand@kungsbacka.example.org", "Kungsbacka kommun", (FOLLOW, TAKE_PART)),
    InterestSpec("Ylva Dahl", "ylva.dahl@example.com", "", (TAKE_PART,)),
    InterestSpec(
        "Eero Virtanen", "eero.virtanen@example.org", "Simlångsdalens bygdegårdsförening", (CONTRIBUTE, TAKE_PART), "en"
    ),
)

INTERESTS: dict[str, tuple[InterestSpec, ...]] = {"halland-beredskap": HALLAND_INTERESTS}


@dataclass(frozen=True)
class InviteeSpec:
    """Someone invited to an invitation-only event who has not registered (those who have are
    invited too, from their registrations). answer: "" (not answered), "opened" or "declined"."""

    first_name: str
    last_name: str
    email: str
    organisation: str
    role: str
    answer: str = ""
    reason: str = ""


JAMTLAND_INVITEES = (
    InviteeSpec("Gunnel", "Persson", "gunnel.persson@ragunda.example.org", "Ragunda kommun", "Kommundirektör"),
    InviteeSpec(
        "Nils", "Ersson", "nils.ersson@harjedalen.example.org", "Härjedalens kommun", "Säkerhetssamordnare", "opened"
    ),
    InviteeSpec(
        "Ingrid",
        "Olofsson",
        "ingrid.olofsson@bracke.example.org",
        "Bräcke kommun",
        "Beredskapshandläggare",
        "declined",
        "Krockar med kommunfullmäktige; vår kommundirektör kommer i stället.",
    ),
    InviteeSpec("Mikael", "Jonsson", "mikael.jonsson@lrf.example.org", "LRF Jämtland", "Regionchef"),
)
INVITEES: dict[str, tuple[InviteeSpec, ...]] = {"jamtland-radet": JAMTLAND_INVITEES}


# --- speakers, material and the call for contributions ------------------------------------------


@dataclass(frozen=True)
class SpeakerSpec:
    """A speaker (invented, at a demo address) and the titles of the items they speak at."""

    name: str
    title: str
    organisation: str
    email: str
    bio: str
    items: tuple[str, ...]


SKANE_SPEAKERS = (
    SpeakerSpec(
        "Helena Berglund",
        "Enhetschef, samhällsskydd och beredskap",
        "Länsstyrelsen Skåne",
        "helena.berglund@lansstyrelsen-skane.example.org",
        "Leder länsstyrelsens arbete med samverkan mellan offentlig och idéburen sektor.",
        (
            "Välkomna – ökad samverkan för ett robust och hållbart samhälle",
            "Samhällets nya verklighet",
            "Varför växlar Länsstyrelsen Skåne upp?",
            "Vägen framåt",
        ),
    ),
    SpeakerSpec(
        "Johan Nilsson",
        "Forskare i civilsamhällesstudier",
        "Lunds universitet",
        "johan.nilsson@lu.example.org",
        "Forskar om civilsamhällets roll i kris och om samhällskontraktet.",
        ("Vad är civilsamhället?", "Civilsamhällets tre funktioner", "Samhällskontrakt under omförhandling"),
    ),
    SpeakerSpec(
        "Olena Kovalenko",
        "Samordnare",
        "Ukrainska föreningen i Malmö",
        "olena.kovalenko@ukr-malmo.example.org",
        "Har samordnat frivilliga insatser för evakuerade och internflyktingar sedan 2022.",
        ("Ukraina – ett samhälle som håller", "Fyra lärdomar för Sverige"),
    ),
)
HEALTHY_CITIES_SPEAKERS = (
    SpeakerSpec(
        "Maria Ek",
        "Folkhälsostrateg",
        "Örebro kommun",
        "maria.ek@orebro.example.org",
        "Samordnar Healthy Cities-arbetet i Örebro.",
        ("Social hållbarhet i styrning och beslutsunderlag",),
    ),
)
SPEAKERS: dict[str, tuple[SpeakerSpec, ...]] = {
    "skane-forum": SKANE_SPEAKERS,
    "healthy-cities": HEALTHY_CITIES_SPEAKERS,
}
# Material links per item title.
MATERIAL: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "skane-forum": {
        "Samhällets nya verklighet": (("Länsstyrelsen Skåne", "https://www.lansstyrelsen.se/skane.html"),),
        "Vägen framåt": (("Överenskommelsen Skåne", "https://www.lansstyrelsen.se/skane.html"),),
    },
}


@dataclass(frozen=True)
class ProposalSpec:
    title: str
    summary: str
    focus_area: str
    format: ProposalFormat
    presenters: tuple[tuple[str, str, str], ...]  # name, e-mail, organisation
    status: ProposalStatus = ProposalStatus.SUBMITTED
    note: str = ""


HALLAND_CALL_TEXT = (
    "Vi söker goda exempel och lokala initiativ inom de fem fokusområdena: det som redan fungerar "
    "i din bygd, och det ni vill pröva. Berätta kort vad det är och vem som kan presentera."
)
HALLAND_PROPOSALS = (
    ProposalSpec(
        "Reservvatten i byalaget",
        "Hur vi i byalaget kartlade brunnar och ordnade reservvatten för 40 hushåll.",
        "Vatten",
        ProposalFormat.EXAMPLE,
        (("Karin Svensson", "karin.svensson@byalaget.example.org", "Torups byalag"),),
    ),
    ProposalSpec(
        "Gårdsbutiken som lokal försörjning",
        "Lokal mat när transporterna står still: erfarenheter från en gård i Laholm.",
        "Mat och lokal livsmedelsproduktion",
        ProposalFormat.EXAMPLE,
        (
            ("Per Andersson", "per.andersson@gard.example.org", "Anderssons gård"),
            ("Lena Andersson", "lena.andersson@gard.example.org", "Anderssons gård"),
        ),
        ProposalStatus.ACCEPTED,
        "Välkomna! Vi lägger er under eftermiddagens pass om lokala initiativ.",
    ),
    ProposalSpec(
        "Värmestuga i församlingshemmet",
        "Hur församlingen förbereder en värmestuga vid långvarigt strömavbrott.",
        "Värme och energi",
        ProposalFormat.WORKSHOP,
        (("Anders Holm", "anders.holm@svenskakyrkan.example.org", "Svenska kyrkan i Hylte"),),
    ),
    ProposalSpec(
        "Försäljning av reservkraftverk",
        "Presentation av vårt sortiment av reservkraftverk.",
        "Värme och energi",
        ProposalFormat.OTHER,
        (("Sälj AB", "info@saljab.example.com", "Sälj AB"),),
        ProposalStatus.DECLINED,
        "Tack, men temamötet är inte ett forum för försäljning.",
    ),
)
CALLS: dict[str, tuple[str, tuple[ProposalSpec, ...]]] = {"halland-beredskap": (HALLAND_CALL_TEXT, HALLAND_PROPOSALS)}


# --- dates -------------------------------------------------------------------------------------


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZONE).date()


def next_occurrence(month: int, day: int, today: date) -> date:
    """The first date with this month and day strictly after today (today itself does not count)."""
    candidate = date(today.year, month, day)
    return candidate if candidate > today else date(today.year + 1, month, day)


def local_moment(day: date, clock: time) -> datetime:
    """A wall-clock time in Stockholm as an aware datetime (stored as UTC by UTCDateTime)."""
    return datetime.combine(day, clock, tzinfo=ZONE)


@dataclass(frozen=True)
class EventDates:
    first_day: date
    starts_at: datetime
    ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    preliminary_date_text: str


def event_dates(spec: EventSpec, today: date) -> EventDates:
    """Dates of a demo event loaded today: its next occurrence; registration from today's
    midnight until the end of the day before the event."""
    first_day = next_occurrence(spec.month, spec.day, today)
    last_day = first_day + timedelta(days=spec.days - 1)
    month_name = format_date(first_day, "LLLL", locale="sv")
    return EventDates(
        first_day=first_day,
        starts_at=local_moment(first_day, spec.starts),
        ends_at=local_moment(last_day, spec.ends),
        registration_opens_at=local_moment(today, time(0, 0)),
        registration_closes_at=local_moment(first_day - timedelta(days=1), time(23, 59)),
        preliminary_date_text=f"preliminärt {month_name} {first_day.year}" if spec.preliminary else "",
    )


# --- creating what is missing ------------------------------------------------------------------


@dataclass
class Tally:
    """What load() created and what was already there, per kind of object."""

    created: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.present)[kind] += 1

    def lines(self) -> list[str]:
        kinds = list(dict.fromkeys([*self.created, *self.present]))
        return [f"  {kind}: {self.created[kind]} created, {self.present[kind]} already present" for kind in kinds]


def ensure_organisation(spec: OrganisationSpec, tally: Tally) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == spec.name))
    tally.count("organisations", organisation is None)
    if organisation is None:
        organisation = Organisation(
            name=spec.name, contact_email=spec.contact_email, retention_policy=spec.retention_policy
        )
        db.session.add(organisation)
        db.session.flush()
    return organisation


def ensure_admin(tally: Tally, echo: Echo) -> User:
    """The demo's admin account; its password is shown once, when it is created."""
    email = (os.environ.get("FORUM_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL).strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    tally.count("admin accounts", user is None)
    if user is not None:
        echo(f"Admin account {email} already exists (its password is not shown again).")
        return user
    from forum.auth.services import AccountError, create_user

    given = os.environ.get("FORUM_ADMIN_PASSWORD")
    password = given or secrets.token_urlsafe(12)
    # The CLI has no request to choose a language from; its messages are in English.
    with force_locale("en"):
        try:
            user, _ = create_user(email, "Administratör", True, password=password, language="sv", via="demo")
        except AccountError as error:
            raise click.ClickException(f"FORUM_ADMIN_EMAIL / FORUM_ADMIN_PASSWORD: {error}") from error
    echo(f"Admin account: {email}")
    if given:
        echo("Password: the one in FORUM_ADMIN_PASSWORD")
    else:
        echo(f"Password: {password}   (shown once; set FORUM_ADMIN_PASSWORD to choose it)")
    return user


def ensure_event(spec: EventSpec, organisation: Organisation, today: date, tally: Tally) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == spec.slug))
    tally.count("events", event is None)
    if event is not None:
        return event
    dates = event_dates(spec, today)
    event = Event(
        slug=spec.slug,
        title=spec.title,
        summary=spec.summary,
        description=spec.description,
        organisation=organisation,
        kind=spec.kind,
        starts_at=dates.starts_at,
        ends_at=dates.ends_at,
        timezone=ZONE_NAME,
        date_is_preliminary=spec.preliminary,
        preliminary_date_text=dates.preliminary_date_text,
        venue_name=spec.venue_name,
        venue_address=spec.venue_address,
        venue_city=spec.venue_city,
        venue_directions=spec.venue_directions,
        capacity=spec.capacity,
        registration_opens_at=dates.registration_opens_at,
        registration_closes_at=dates.registration_closes_at,
        visibility=spec.visibility,
        participant_list=spec.participant_list,
        status=EventStatus.PUBLISHED,
        contact_email=spec.contact_email or organisation.contact_email,
    )
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", event=event, target=event, source="demo")
    return event


def ensure_focus_areas(event: Event, specs: tuple[FocusAreaSpec, ...], tally: Tally) -> dict[str, FocusArea]:
    existing = {area.name: area for area in event.focus_areas}
    for position, spec in enumerate(specs, start=1):
        tally.count("focus areas", spec.name not in existing)
        if spec.name not in existing:
            existing[spec.name] = FocusArea(
                event=event, name=spec.name, description=spec.description, position=position
            )
            db.session.add(existing[spec.name])
    db.session.flush()
    return existing


def ensure_rooms(event: Event, specs: tuple[RoomSpec, ...], tally: Tally) -> dict[str, Room]:
    existing = {room.name: room for room in event.rooms}
    for spec in specs:
        tally.count("rooms", spec.name not in existing)
        if spec.name not in existing:
            existing[spec.name] = Room(
                event=event, name=spec.name, capacity=spec.capacity, description=spec.description
            )
            db.session.add(existing[spec.name])
    db.session.flush()
    return existing


def ensure_programme_items(
    event: Event,
    specs: tuple[ItemSpec, ...],
    rooms: dict[str, Room],
    areas: dict[str, FocusArea],
    tally: Tally,
) -> None:
    """Items are placed on the event's own days, so that an existing event keeps its programme
    in step with it even when the demo is loaded again in another year."""
    first_day = event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
    existing = {(item.title, item.starts_at) for item in event.programme_items}
    for spec in specs:
        day = first_day + timedelta(days=spec.day)
        starts_at = local_moment(day, spec.starts)
        key = (spec.title, starts_at)
        tally.count("programme items", key not in existing)
        if key in existing:
            continue
        item = ProgrammeItem(
            event=event,
            title=spec.title,
            description=spec.description,
            kind=spec.kind,
            starts_at=starts_at,
            ends_at=local_moment(day, spec.ends),
            room=rooms.get(spec.room) if spec.room else None,
            requires_signup=spec.requires_signup,
            capacity=spec.capacity,
            focus_areas=[areas[name] for name in spec.focus_areas if name in areas],
        )
        db.session.add(item)
        existing.add(key)
    db.session.flush()


def ensure_role(user: User, event: Event, role: Role, tally: Tally) -> EventRole:
    """Gives the user a role on the event if they have none (an existing role is left as it is)."""
    current = db.session.scalar(select(EventRole).where(EventRole.user_id == user.id, EventRole.event_id == event.id))
    tally.count("event roles", current is None)
    if current is None:
        current = EventRole(user=user, event=event, role=role)
        db.session.add(current)
        db.session.flush()
    return current


@contextmanager
def outbox_discarded() -> Iterator[list[int]]:
    """Delete the outbox messages queued inside the block (and only those, by id).

    The registration services queue a confirmation, a waiting-list notice, a cancellation receipt …
    for every demo registration, addressed to invented people. They are deleted in the same
    transaction, so they are never committed and no worker sends them. (Marking them sent instead
    would show the organiser deliveries that never happened.) Yields the list that receives the
    deleted messages' ids.
    """
    session = db.session()
    queued: list[OutboxMessage] = []

    def collect(_session, instance) -> None:
        if isinstance(instance, OutboxMessage):
            queued.append(instance)

    orm_events.listen(session, "transient_to_pending", collect)
    discarded: list[int] = []
    try:
        yield discarded
    finally:
        orm_events.remove(session, "transient_to_pending", collect)
    session.flush()
    for message in queued:
        discarded.append(message.id)
        session.delete(message)
    session.flush()


def _details(spec: RegistrationSpec, event: Event) -> registrations.Details:
    areas = {area.name: area.id for area in event.focus_areas}
    workshops = {item.title: item.id for item in registrations.workshops(event)}
    health = bool(spec.dietary or spec.dietary_other or spec.accessibility)
    return registrations.Details(
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=spec.email,
        phone=spec.phone,
        organisation=spec.organisation,
        organisation_type=spec.organisation_type,
        municipality_code=spec.municipality,
        focus_area_ids=[areas[name] for name in spec.focus_areas if name in areas],
        contribution=spec.contribution,
        show_in_participant_list=spec.participant_list,
        keep_informed=spec.keep_informed,
        health_consent=health,
        dietary=[option.value for option in spec.dietary],
        dietary_other=spec.dietary_other,
        accessibility=spec.accessibility,
        workshop_ids=[workshops[title] for title in spec.workshops if title in workshops],
    )


def ensure_registrations(event: Event, specs: tuple[RegistrationSpec, ...], admin: User, tally: Tally) -> None:
    """Register, through the real services, each person who has no registration (of any status) for
    the event; then cancel those of them who cancel. Capacity, the waiting list and workshop seats
    come out as they would online. Someone already there, even cancelled, is left as they are."""
    key = registrations.email_key
    existing = set(db.session.scalars(select(Registration.email_key).where(Registration.event_id == event.id)))
    cancelling = []
    for spec in specs:
        tally.count("registrations", key(spec.email) not in existing)
        if key(spec.email) in existing:
            continue
        outcome = registrations.register(
            event,
            _details(spec, event),
            language=spec.language,
            submission_key="",
            source=RegistrationSource.ORGANISER if spec.by_organiser else RegistrationSource.ONLINE,
            by=admin if spec.by_organiser else None,
        )
        existing.add(key(spec.email))
        if spec.cancelled:
            cancelling.append(outcome.registration)
    for registration in cancelling:
        registrations.cancel(registration)


def ensure_interests(event: Event, specs: tuple[InterestSpec, ...], tally: Tally) -> None:
    """Interest sign-ups for an event whose date is preliminary; an existing one (same e-mail) is kept."""
    if not event.date_is_preliminary:
        return
    existing = set(db.session.scalars(select(Interest.email_key).where(Interest.event_id == event.id)))
    for spec in specs:
        key = registrations.email_key(spec.email)
        tally.count("interest sign-ups", key not in existing)
        if key in existing:
            continue
        registrations.register_interest(
            event,
            name=spec.name,
            email=spec.email,
            organisation=spec.organisation,
            kinds=[kind.value for kind in spec.kinds],
            language=spec.language,
        )
        existing.add(key)


def ensure_invitees(event: Event, specs: tuple[InviteeSpec, ...], admin: User, tally: Tally) -> None:
    """An invitation-only event's invitee list: everyone registered (their invitation answered by the
    registration) and the people of `specs`. Nothing is sent; an existing invitee is left alone."""
    if not event.is_invitation_only:
        return
    registered = {
        registration.email_key: registration
        for registration in db.session.scalars(select(Registration).where(Registration.event_id == event.id))
    }
    people = [
        invitations.InviteeData(
            email=r.email, first_name=r.first_name, last_name=r.last_name, organisation=r.organisation
        )
        for r in registered.values()
    ] + [
        invitations.InviteeData(
            email=spec.email,
            first_name=spec.first_name,
            last_name=spec.last_name,
            organisation=spec.organisation,
            role=spec.role,
        )
        for spec in specs
    ]
    already = invitations.invited_keys(event)
    for person in people:
        tally.count("invitees", invitations.email_key(person.email) not in already)
    answers = {invitations.email_key(spec.email): spec for spec in specs}
    for invitee in invitations.add_invitees(event, people, InviteeSource.MANUAL, by=admin):
        registration = registered.get(invitee.email_key)
        spec = answers.get(invitee.email_key)
        if registration is not None:
            invitee.registration_id = registration.id
            invitee.opened_at = registration.created_at
        elif spec is not None and spec.answer in ("opened", "declined"):
            invitee.opened_at = utcnow()
            if spec.answer == "declined":
                invitee.declined_at = utcnow()
                invitee.decline_reason = spec.reason
    db.session.flush()


def _speaker(event: Event, name: str, email: str, title: str = "", organisation: str = "", bio: str = "") -> Speaker:
    key = email.strip().casefold()
    speaker = db.session.scalar(select(Speaker).where(Speaker.event_id == event.id, Speaker.email_key == key))
    if speaker is None:
        speaker = Speaker(
            event_id=event.id, name=name, title=title, organisation=organisation, bio=bio, email=email, email_key=key
        )
        tokens.assign("speaker", speaker)
        db.session.add(speaker)
        db.session.flush()
    return speaker


def _appear(speaker: Speaker, item: ProgrammeItem) -> None:
    if not any(appearance.speaker_id == speaker.id for appearance in item.appearances):
        item.appearances.append(Appearance(speaker=speaker, position=len(item.appearances)))


def ensure_speakers(event: Event, specs: tuple[SpeakerSpec, ...], tally: Tally) -> None:
    """Speakers on the items named in their spec; material links on items without any."""
    items = {item.title: item for item in event.programme_items}
    for spec in specs:
        present = db.session.scalar(
            select(Speaker.id).where(Speaker.event_id == event.id, Speaker.email_key == spec.email.casefold())
        )
        tally.count("speakers", present is None)
        speaker = _speaker(event, spec.name, spec.email, spec.title, spec.organisation, spec.bio)
        for title in spec.items:
            if title in items:
                _appear(speaker, items[title])
    for title, links in MATERIAL.get(event.slug, {}).items():
        if title in items and not items[title].links:
            items[title].links = [{"title": name, "url": url} for name, url in links]
    db.session.flush()


def ensure_call(event: Event, call: tuple[str, tuple[ProposalSpec, ...]] | None, tally: Tally) -> None:
    """An open call for contributions with proposals in different states; an accepted one is on the
    programme with its presenters as speakers."""
    if call is None:
        return
    text, proposals = call
    existing = db.session.scalar(select(ContributionCall).where(ContributionCall.event_id == event.id))
    tally.count("calls for contributions", existing is None)
    if existing is None:
        db.session.add(ContributionCall(event_id=event.id, status=CallStatus.OPEN, text=text))
    areas = {area.name: area for area in event.focus_areas}
    titles = set(db.session.scalars(select(Proposal.title).where(Proposal.event_id == event.id)))
    for spec in proposals:
        tally.count("proposals", spec.title not in titles)
        if spec.title in titles:
            continue
        proposal = Proposal(
            event_id=event.id,
            title=spec.title,
            summary=spec.summary,
            focus_area=areas.get(spec.focus_area),
            format=spec.format,
            presenters=[{"name": n, "email": e, "organisation": o} for n, e, o in spec.presenters],
            status=spec.status,
            decision_note=spec.note,
        )
        tokens.assign("proposal", proposal)
        db.session.add(proposal)
        if spec.status == ProposalStatus.ACCEPTED:
            anchor = next((i for i in event.programme_items if i.title == "Lokala initiativ som visar vägen"), None)
            starts = anchor.starts_at if anchor else event.starts_at
            item = ProgrammeItem(
                event=event,
                title=spec.title,
                description=spec.summary,
                kind=ProgrammeItemKind.TALK,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=20),
                room=anchor.room if anchor else None,
                focus_areas=[areas[spec.focus_area]] if spec.focus_area in areas else [],
            )
            db.session.add(item)
            db.session.flush()
            for name, email, organisation in spec.presenters:
                _appear(_speaker(event, name, email, organisation=organisation), item)
            proposal.programme_item = item
    db.session.flush()


# The event whose door the demo has opened: a device at its entrance and part of the attendees in.
CHECKIN_EVENT = "skane-forum"
CHECKIN_DEVICE = "Entré Stortorget"
CHECKIN_SHARE = 0.5


def ensure_checkins(event: Event, admin: User, tally: Tally, echo: Echo) -> None:
    """A scanning device (its token printed once, when made) and about half the confirmed
    attendees checked in at its entrance, through the one check-in function."""
    if event.slug != CHECKIN_EVENT:
        return
    device = db.session.scalar(select(Device).where(Device.event_id == event.id, Device.name == CHECKIN_DEVICE))
    tally.count("check-in devices", device is None)
    if device is None:
        device, token = checkin.create_device(event, CHECKIN_DEVICE, by=admin)
        echo(f"Check-in device token for {event.slug} ({CHECKIN_DEVICE}): {token}")
        from forum.checkin.views import scanner_link

        echo(f"  open the scanner on a phone: {scanner_link(event, token, CHECKIN_DEVICE)}")
    if db.session.scalar(select(CheckIn.id).where(CheckIn.event_id == event.id).limit(1)) is not None:
        tally.count("check-ins", False)
        return
    confirmed = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.id)
    ).all()
    for registration in confirmed[: int(len(confirmed) * CHECKIN_SHARE)]:
        checkin.checkin_registration(event, registration, entrance=CHECKIN_DEVICE, device=device)
        tally.count("check-ins", True)
    db.session.flush()


def _describe(event: Event) -> str:
    when = event.preliminary_date_text or event.starts_at.astimezone(ZoneInfo(event.timezone)).date().isoformat()
    return f"  /e/{event.slug}/  {event.title} ({when}, {event.visibility.value})"


def load(echo: Echo = print, today: date | None = None) -> Tally:
    """Create whatever of the demo is missing; change nothing that exists."""
    today = today or local_today()
    tally = Tally()
    admin = ensure_admin(tally, echo)
    organisations = {spec.name: ensure_organisation(spec, tally) for spec in ORGANISATIONS}
    events = []
    for spec in EVENTS:
        event = ensure_event(spec, organisations[spec.organisation], today, tally)
        areas = ensure_focus_areas(event, spec.focus_areas, tally)
        rooms = ensure_rooms(event, spec.rooms, tally)
        ensure_programme_items(event, spec.items, rooms, areas, tally)
        ensure_role(admin, event, Role.OWNER, tally)
        events.append(event)
    with outbox_discarded() as discarded:
        for event in events:
            ensure_registrations(event, REGISTRATIONS.get(event.slug, ()), admin, tally)
            ensure_interests(event, INTERESTS.get(event.slug, ()), tally)
            ensure_invitees(event, INVITEES.get(event.slug, ()), admin, tally)
            ensure_speakers(event, SPEAKERS.get(event.slug, ()), tally)
            ensure_call(event, CALLS.get(event.slug), tally)
            ensure_checkins(event, admin, tally, echo)
    db.session.commit()
    echo("Demo events:")
    for event in events:
        echo(_describe(event))
    echo("Demo data:")
    for line in tally.lines():
        echo(line)
    if discarded:
        echo(f"The {len(discarded)} e-mails the demo registrations queued were discarded, not sent.")
    return tally
