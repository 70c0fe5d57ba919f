"""By-id reads of releases and visits are answered before routing (app.kit.hotpath). The
same URL in a form the fast path leaves to the routes (`/007`) must answer the same."""

import httpx
import pytest

from tests import factories

Headers = dict[str, str]


@pytest.mark.parametrize("collection", ["press-releases", "visits"])
async def test_fast_and_routed_reads_agree(
    client: httpx.AsyncClient, editor_headers: Headers, collection: str
) -> None:
    if collection == "visits":
        published = await factories.visit(client, editor_headers, status="published")
        draft = await factories.visit(client, editor_headers)
    else:
        visit = await factories.visit(client, editor_headers, status="published")
        published = await factories.press_release(
            client,
            editor_headers,
            status="published",
            title="Visite d’une délégation — « coopération » & <défense>",
            body='Texte\u00a0avec des caractères: é, ü, 中文, العربية, "guillemets", \\.',
            language="fr",
            published_on="2023-05-08",
            dateline="Rabat, le 8 mai 2023",
            source_url="https://example.org/communiques/2023/05/08?x=1&y=2",
            issuer_organization_id=visit["host_organization_id"],
            visit_ids=[visit["id"]],
        )
        draft = await factories.press_release(client, editor_headers)
    base = f"/api/v1/{collection}"
    for item, visible in ((published, True), (draft, False)):
        fast = await client.get(f"{base}/{item['id']}")
        routed = await client.get(f"{base}/00{item['id']}")
        assert fast.status_code == routed.status_code == (200 if visible else 404)
        assert fast.headers["content-type"] == routed.headers["content-type"]
        if visible:
            assert fast.content == routed.content
            assert fast.headers["etag"] == routed.headers["etag"]
            assert fast.json()["id"] == item["id"]
            again = await client.get(
                f"{base}/{item['id']}", headers={"If-None-Match": fast.headers["etag"]}
            )
            assert again.status_code == 304
            assert again.headers["etag"] == fast.headers["etag"]
        else:
            assert fast.json()["status"] == routed.json()["status"] == 404
        # Editors see drafts on both paths.
        as_editor = await client.get(f"{base}/{item['id']}", headers=editor_headers)
        assert as_editor.status_code == 200
        assert as_editor.json()["id"] == item["id"]
    for odd in ("0", "-1", "99999999999", "abc"):
        response = await client.get(f"{base}/{odd}")
        assert response.status_code in (404, 422), (odd, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"{base}/{published['id']}0000")).status_code == 404
