"""Demo data: the founding example (IMCTC receives the National Defense University of
Islamabad, Riyadh, 8 May 2023) and a few more visits. Loading it twice changes nothing."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.delegations import service as delegations
from app.delegations.schemas import DelegationCreate
from app.officials import service as officials
from app.officials.schemas import OfficialCreate
from app.organizations import service as organizations
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate
from app.press_releases import service as press_releases
from app.press_releases.schemas import PressReleaseCreate
from app.visits import service as visits
from app.visits.schemas import VisitCreate

MARKER = "SA:islamic military counter terrorism coalition"

RELEASE_FR = (
    "La Coalition islamique militaire contre le terrorisme (CIMCT) a accueilli à Riyad, le "
    "8 mai 2023, une délégation de l'Université de la Défense nationale d'Islamabad. Les "
    "visiteurs ont assisté à une présentation des missions de la Coalition et des stratégies "
    "qu'elle met en œuvre contre le terrorisme, dans quatre domaines : l'idéologie, la "
    "communication, la lutte contre le financement du terrorisme et le volet militaire.\n\n"
    "Répondant aux questions de la délégation, le Secrétaire général de la CIMCT, le général "
    "de division Mohammad bin Saeed Al-Moghidi, a rappelé les principes sur lesquels repose "
    "l'action de la Coalition : légitimité, indépendance, coordination et participation. Il a "
    "souligné que les méthodes des groupes terroristes changent avec le temps, que la réponse "
    "intellectuelle vient en premier, suivie de la lutte contre leur propagande, puis contre "
    "leurs financements, le volet militaire venant en dernier, dans le respect de la "
    "souveraineté des États membres.\n\n"
    "Cette visite s'inscrit dans la coopération entre la Coalition et ses États membres pour "
    "partager leurs expériences."
)


async def _organization(session: AsyncSession, **fields: object) -> Organization:
    return await organizations.create(session, data=OrganizationCreate.model_validate(fields))


async def load(session: AsyncSession) -> bool:
    """Load the demo data unless it is there already; True when it was loaded now."""
    if await session.scalar(select(Organization.id).where(Organization.identity_key == MARKER)):
        return False

    imctc = await _organization(
        session,
        name="Islamic Military Counter Terrorism Coalition",
        acronym="IMCTC",
        kind="military_alliance",
        country_code="SA",
        city="Riyadh",
        aliases=[
            {
                "name": "Coalition islamique militaire contre le terrorisme",
                "language": "fr",
                "acronym": "CIMCT",
            },
            {"name": "التحالف الإسلامي العسكري لمحاربة الإرهاب", "language": "ar"},
        ],
    )
    ndu_pk = await _organization(
        session,
        name="National Defense University",
        acronym="NDU",
        kind="university",
        country_code="PK",
        city="Islamabad",
        aliases=[{"name": "Université de la Défense nationale", "language": "fr"}],
    )
    ndu_sa = await _organization(
        session,
        name="National Defense University",
        kind="university",
        country_code="SA",
        city="Riyadh",
    )
    staff_college = await _organization(
        session,
        name="Armed Forces Command and Staff College",
        kind="armed_forces",
        country_code="NG",
        city="Jaji",
    )
    ministry = await _organization(
        session,
        name="Ministry of Defence",
        kind="ministry",
        country_code="MY",
        city="Kuala Lumpur",
        aliases=[{"name": "Kementerian Pertahanan", "language": "ms"}],
    )

    secretary_general = await officials.create(
        session,
        data=OfficialCreate.model_validate(
            {
                "name": "Mohammad bin Saeed Al-Moghidi",
                "honorific": "Major General",
                "country_code": "SA",
                "aliases": [
                    {"name": "Mohammed bin Saeed Al-Moghedi", "language": "en"},
                    {"name": "محمد بن سعيد المغيدي", "language": "ar"},
                ],
                "positions": [
                    {"organization_id": imctc.id, "title": "Secretary-General"},
                ],
            }
        ),
    )

    founding = await visits.create(
        session,
        data=VisitCreate.model_validate(
            {
                "title": "IMCTC receives a delegation of the National Defense University, "
                "Islamabad",
                "status": "published",
                "start_date": "2023-05-08",
                "city": "Riyadh",
                "country_code": "SA",
                "host_organization_id": imctc.id,
                "summary": "Briefing on the Coalition's missions and its strategies against "
                "terrorism, followed by questions to the Secretary-General.",
                "topics": ["ideology", "communications", "counter-terrorist financing", "military"],
                "participants": [
                    {
                        "official_id": secretary_general.id,
                        "side": "host",
                        "role": "Secretary-General",
                    },
                ],
            }
        ),
    )
    await delegations.create(
        session,
        data=DelegationCreate(
            visit_id=founding.id,
            organization_id=ndu_pk.id,
            country_code="PK",
            description="Faculty and students of the National Defense University, Islamabad.",
        ),
    )
    await press_releases.create(
        session,
        data=PressReleaseCreate.model_validate(
            {
                "title": "La CIMCT reçoit une délégation de l'Université de la Défense "
                "nationale d'Islamabad",
                "body": RELEASE_FR,
                "language": "fr",
                "status": "published",
                "published_on": "2023-05-08",
                "dateline": "Riyad",
                "issuer_organization_id": imctc.id,
                "visit_ids": [founding.id],
            }
        ),
    )

    more = [
        (
            "IMCTC hosts the Armed Forces Command and Staff College",
            date(2023, 5, 22),
            staff_college,
            "NG",
            ["military", "training"],
            "published",
        ),
        (
            "Saudi National Defense University delegation visits IMCTC",
            date(2023, 9, 12),
            ndu_sa,
            "SA",
            ["ideology"],
            "published",
        ),
        (
            "Malaysian Ministry of Defence delegation at IMCTC",
            date(2024, 2, 5),
            ministry,
            "MY",
            ["communications", "counter-terrorist financing"],
            "published",
        ),
        (
            "Planned exchange with the National Defense University",
            date(2024, 11, 18),
            ndu_pk,
            "PK",
            ["training"],
            "draft",
        ),
    ]
    for title, day, guest, country, topics, status in more:
        visit = await visits.create(
            session,
            data=VisitCreate.model_validate(
                {
                    "title": title,
                    "status": status,
                    "start_date": day.isoformat(),
                    "city": "Riyadh",
                    "country_code": "SA",
                    "host_organization_id": imctc.id,
                    "topics": topics,
                }
            ),
        )
        await delegations.create(
            session,
            data=DelegationCreate(
                visit_id=visit.id, organization_id=guest.id, country_code=country
            ),
        )
    return True
