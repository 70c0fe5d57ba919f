"""A small, realistic multilingual world built through the HTTP API, for search and stats tests.

Everything here is created by `build(client, editor_headers)` with ordinary POSTs, so the
tests exercise the same code paths as real clients. The texts are our own, written to cover:
French, English and Arabic releases; names with aliases in three languages and several
transliterations; two organizations sharing a name in different countries; visits spread over
months and years with multi-valued topics and delegations; and drafts carrying a distinctive
word ("Kilimanjaro") that anonymous readers must never see.

Published visits (what the statistics tests count):

visit  start       end         where  host    delegations (sender → country)   topics
v1     2023-05-08  2023-05-08  SA     IMCTC   NDU-PK → PK                      4 (*)
v2     2023-05-30  2023-06-02  SA     IMCTC   Egyptian Armed Forces → EG       military, training
v3     2023-11-14  2023-11-14  PK     NDU-PK  IMCTC → SA                       education, ideology
v4     2024-02-20  2024-02-22  SA     NDU-SA  NDU-PK → PK, EAF → EG, JO        education
v5     2024-03 (month)         —      IMCTC   —                                (**)

(*) communications, counter-terrorist financing, ideology, military
(**) counter-terrorist financing

The draft visit (2023-05-15, SA, IMCTC, delegation NDU-SA, topics military, planning) must
never be counted. No text in this world contains the token "1", so SQL-looking queries such
as `' OR 1=1 --` have nothing to match.
"""

from dataclasses import dataclass
from typing import Any

import httpx

from tests import factories
from tests.factories import Headers

DRAFT_WORD = "Kilimanjaro"

IMCTC_NAME = "Islamic Military Counter Terrorism Coalition"
IMCTC_FRENCH = "Coalition islamique militaire contre le terrorisme"
IMCTC_ARABIC = "التحالف الإسلامي العسكري لمحاربة الإرهاب"
NDU_NAME = "National Defense University"
EAF_NAME = "Egyptian Armed Forces"
MOGHIDI_NAME = "Mohammad bin Saeed Al-Moghidi"
MOGHIDI_ENGLISH = "Mohammed bin Saeed Al-Moghedi"
MOGHIDI_ARABIC = "محمد بن سعيد المغيدي"


@dataclass(frozen=True)
class World:
    """Ids of everything `build` created."""

    # organizations
    imctc: int
    ndu_pk: int
    ndu_sa: int
    egyptian_forces: int
    al_quds: int  # "Al-Quds University", created before…
    al_quds_open: int  # …"Al-Quds Open University" (exact-first ordering)
    # officials
    moghidi: int
    qureshi: int
    khalid_harbi: int  # "Khalid Al-Harbi", created before…
    khaled_harbi: int  # …"Khaled Al-Harbi" (exact-first ordering)
    # visits
    v1: int
    v2: int
    v3: int
    v4: int
    v5: int
    draft_visit: int
    # press releases
    release_fr: int
    release_en_translation: int
    release_egypt: int
    release_ar: int
    sahel_body: int  # "Sahel" in the body only, created before…
    sahel_title: int  # …the release with "Sahel" in its title
    mauritania_title: int  # "Mauritania" in the title, created before…
    mauritania_body: int  # …the release with it in the body only
    release_snippet: int  # body with "<script>" and "&" next to "Tuareg"
    draft_release: int

    @property
    def published_visits(self) -> list[int]:
        return [self.v1, self.v2, self.v3, self.v4, self.v5]


async def _post(
    client: httpx.AsyncClient, headers: Headers, path: str, body: dict[str, Any]
) -> int:
    created = await factories.create(client, headers, path, body)
    return int(created["id"])


async def build(client: httpx.AsyncClient, headers: Headers) -> World:
    async def post(path: str, **body: Any) -> int:
        return await _post(client, headers, path, body)

    # --- organizations ---------------------------------------------------------------
    imctc = await post(
        "organizations",
        name=IMCTC_NAME,
        acronym="IMCTC",
        kind="military_alliance",
        country_code="SA",
        city="Riyadh",
        website="https://www.imctc.org/",
        aliases=[
            {"name": IMCTC_FRENCH, "language": "fr", "acronym": "CIMCT"},
            {"name": IMCTC_ARABIC, "language": "ar"},
        ],
    )
    ndu_pk = await post(
        "organizations",
        name=NDU_NAME,
        acronym="NDU",
        kind="university",
        country_code="PK",
        city="Islamabad",
    )
    ndu_sa = await post(
        "organizations",
        name=NDU_NAME,
        kind="university",
        country_code="SA",
        city="Riyadh",
        aliases=[{"name": "جامعة الدفاع الوطني", "language": "ar"}],
    )
    egyptian_forces = await post(
        "organizations", name=EAF_NAME, kind="armed_forces", country_code="EG", city="Cairo"
    )
    al_quds = await post(
        "organizations",
        name="Al-Quds University",
        kind="university",
        country_code="PS",
        city="Jerusalem",
    )
    al_quds_open = await post(
        "organizations",
        name="Al-Quds Open University",
        kind="university",
        country_code="PS",
        city="Ramallah",
    )

    # --- officials -------------------------------------------------------------------
    moghidi = await post(
        "officials",
        name=MOGHIDI_NAME,
        honorific="Major General",
        country_code="SA",
        aliases=[
            {"name": MOGHIDI_ENGLISH, "language": "en"},
            {"name": MOGHIDI_ARABIC, "language": "ar"},
        ],
        positions=[{"organization_id": imctc, "title": "Secretary-General"}],
    )
    qureshi = await post(
        "officials",
        name="Imran Qureshi",
        honorific="Lieutenant General",
        country_code="PK",
        positions=[{"organization_id": ndu_pk, "title": "President"}],
    )
    khalid_harbi = await post(
        "officials",
        name="Khalid Al-Harbi",
        honorific="Brigadier General",
        country_code="SA",
        positions=[{"organization_id": ndu_sa, "title": "Dean of Studies"}],
    )
    khaled_harbi = await post(
        "officials",
        name="Khaled Al-Harbi",
        honorific="Colonel",
        country_code="SA",
        positions=[{"organization_id": imctc, "title": "Director of Communications"}],
    )

    # --- visits ----------------------------------------------------------------------
    v1 = await post(
        "visits",
        title="National Defense University delegation visits IMCTC",
        status="published",
        start_date="2023-05-08",
        city="Riyadh",
        country_code="SA",
        host_organization_id=imctc,
        summary="Briefing on the four domains of the alliance for visiting officers.",
        topics=["Ideology", "communications", "counter-terrorist financing", "military"],
        participants=[{"official_id": moghidi, "side": "host", "role": "Secretary-General"}],
    )
    await post(
        "delegations",
        visit_id=v1,
        organization_id=ndu_pk,
        head_official_id=qureshi,
        size=24,
        members=[{"official_id": qureshi, "role": "head"}],
    )
    v2 = await post(
        "visits",
        title="Egyptian Armed Forces delegation at IMCTC headquarters",
        status="published",
        start_date="2023-05-30",
        end_date="2023-06-02",
        city="Riyadh",
        country_code="SA",
        host_organization_id=imctc,
        topics=["military", "training"],
    )
    await post("delegations", visit_id=v2, organization_id=egyptian_forces, size=12)
    v3 = await post(
        "visits",
        title="IMCTC Secretary-General lectures in Islamabad",
        status="published",
        start_date="2023-11-14",
        city="Islamabad",
        country_code="PK",
        host_organization_id=ndu_pk,
        topics=["ideology", "education"],
        participants=[
            {"official_id": moghidi, "side": "guest", "role": "speaker"},
            {"official_id": qureshi, "side": "host"},
        ],
    )
    await post("delegations", visit_id=v3, organization_id=imctc, head_official_id=moghidi)
    v4 = await post(
        "visits",
        title="Joint academic exchange at the National Defense University, Riyadh",
        status="published",
        start_date="2024-02-20",
        end_date="2024-02-22",
        city="Riyadh",
        country_code="SA",
        host_organization_id=ndu_sa,
        summary="Signing of a memorandum of understanding on staff exchanges.",
        topics=["education"],
        participants=[{"official_id": khalid_harbi, "side": "host"}],
    )
    await post("delegations", visit_id=v4, organization_id=ndu_pk)
    await post("delegations", visit_id=v4, organization_id=egyptian_forces)
    await post("delegations", visit_id=v4, country_code="JO", size=3)
    v5 = await post(
        "visits",
        title="Workshop on countering terrorist financing",
        status="published",
        start_date="2024-03-17",
        date_precision="month",
        host_organization_id=imctc,
        topics=["counter-terrorist financing"],
    )
    draft_visit = await post(
        "visits",
        title="Staff retreat (planning)",
        start_date="2023-05-15",
        city="Riyadh",
        country_code="SA",
        host_organization_id=imctc,
        summary=f"Logistics for the {DRAFT_WORD} retreat; not for publication.",
        topics=["military", "planning"],
    )
    await post("delegations", visit_id=draft_visit, organization_id=ndu_sa)

    # --- press releases --------------------------------------------------------------
    release_fr = await post(
        "press-releases",
        title="Le Secrétaire général de la Coalition reçoit une délégation de "
        "l'Université nationale de Défense du Pakistan",
        body="Riyad — Le Secrétaire général de la Coalition islamique militaire contre le "
        "terrorisme, le général de division Mohammad bin Saeed Al-Moghidi, a reçu lundi au "
        "siège de la Coalition une délégation de l'Université nationale de défense "
        "d'Islamabad, conduite par le général de corps d'armée Imran Qureshi. La rencontre a "
        "porté sur l'idéologie, la communication, la lutte contre le financement du "
        "terrorisme et le domaine militaire.",
        language="fr",
        status="published",
        published_on="2023-05-08",
        dateline="Riyad",
        issuer_organization_id=imctc,
        visit_ids=[v1],
    )
    release_en_translation = await post(
        "press-releases",
        title="IMCTC Secretary-General receives National Defense University delegation",
        body="Riyadh — Major General Mohammed bin Saeed Al-Moghedi, Secretary-General of the "
        "Islamic Military Counter Terrorism Coalition, received a delegation from Pakistan's "
        "National Defense University led by Lieutenant General Imran Qureshi. The two sides "
        "discussed ideology, communications, counter-terrorist financing and military "
        "cooperation.",
        language="en",
        status="published",
        published_on="2023-05-09",
        dateline="Riyadh",
        issuer_organization_id=imctc,
        translation_of_id=release_fr,
        visit_ids=[v1],
    )
    release_egypt = await post(
        "press-releases",
        title="Egyptian officers tour the Coalition",
        body="A group of senior Egyptian officers was briefed on the Coalition's training "
        "programmes and on its military domain.",
        language="en",
        status="published",
        published_on="2023-06-03",
        issuer_organization_id=imctc,
        visit_ids=[v2],
    )
    release_ar = await post(
        "press-releases",
        title="الأمين العام للتحالف يزور جامعة الدفاع الوطني في إسلام آباد",
        body="زار الأمين العام للتحالف الإسلامي العسكري لمحاربة الإرهاب اللواء محمد بن سعيد "
        "المغيدي جامعة الدفاع الوطني في إسلام آباد، وألقى محاضرة عن مكافحة الفكر المتطرف.",
        language="ar",
        status="published",
        published_on="2023-11-15",
        dateline="إسلام آباد",
        issuer_organization_id=imctc,
        visit_ids=[v3],
    )
    sahel_body = await post(
        "press-releases",
        title="Coalition weekly digest",
        body="This week the analysts reviewed recruitment narratives spreading in the Sahel "
        "and shared their findings with member states.",
        language="en",
        status="published",
        published_on="2024-01-10",
        issuer_organization_id=imctc,
    )
    sahel_title = await post(
        "press-releases",
        title="Sahel briefing for member states",
        body="Analysts presented a review of recruitment narratives and of the ways partners "
        "can counter them.",
        language="en",
        status="published",
        published_on="2024-01-11",
        issuer_organization_id=imctc,
    )
    mauritania_title = await post(
        "press-releases",
        title="Mauritania hosts a seminar on prevention",
        body="Officers from the region met in Nouakchott to compare approaches to prevention.",
        language="en",
        status="published",
        published_on="2024-01-20",
        issuer_organization_id=imctc,
    )
    mauritania_body = await post(
        "press-releases",
        title="Regional cooperation notes",
        body="Partners from Mauritania and neighbouring states met to compare approaches to "
        "prevention.",
        language="en",
        status="published",
        published_on="2024-01-21",
        issuer_organization_id=imctc,
    )
    release_snippet = await post(
        "press-releases",
        title="Notes from the joint academic exchange",
        body="Programme of the exchange: <script>alert('x')</script> & a session on Tuareg "
        "oral history, followed by a reception for the visiting staff.",
        language="en",
        status="published",
        published_on="2024-02-23",
        issuer_organization_id=ndu_sa,
        visit_ids=[v4],
    )
    draft_release = await post(
        "press-releases",
        title=f"{DRAFT_WORD} expedition for coalition staff",
        body=f"Internal planning note about the {DRAFT_WORD} expedition; not for release.",
        language="en",
        issuer_organization_id=imctc,
        visit_ids=[v2, draft_visit],
    )

    return World(
        imctc=imctc,
        ndu_pk=ndu_pk,
        ndu_sa=ndu_sa,
        egyptian_forces=egyptian_forces,
        al_quds=al_quds,
        al_quds_open=al_quds_open,
        moghidi=moghidi,
        qureshi=qureshi,
        khalid_harbi=khalid_harbi,
        khaled_harbi=khaled_harbi,
        v1=v1,
        v2=v2,
        v3=v3,
        v4=v4,
        v5=v5,
        draft_visit=draft_visit,
        release_fr=release_fr,
        release_en_translation=release_en_translation,
        release_egypt=release_egypt,
        release_ar=release_ar,
        sahel_body=sahel_body,
        sahel_title=sahel_title,
        mauritania_title=mauritania_title,
        mauritania_body=mauritania_body,
        release_snippet=release_snippet,
        draft_release=draft_release,
    )
