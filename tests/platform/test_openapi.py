"""OpenAPI 3 document and the interactive docs, served without internet access."""


def test_openapi_document_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me",
                 "/api/v1/counties", "/api/v1/sellers", "/api/v1/sellers/{seller_id}",
                 "/api/v1/sellers/{seller_id}/qualifications",
                 "/api/v1/admin/sellers/{seller_id}/approve"):
        assert path in spec["paths"], path
    seller_id = spec["paths"]["/api/v1/sellers/{seller_id}"]["parameters"][0]
    assert seller_id["schema"]["type"] == "integer"
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_ui_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in html
    asset = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


def test_health(client):
    assert client.get("/api/v1/health").get_json()["status"] == "ok"
