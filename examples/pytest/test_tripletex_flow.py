"""What an integration does first, each test in a sandbox of its own (the pytest-tripletex-sandbox plugin)."""

import pytest


@pytest.mark.parametrize("tripletex_sandbox", ["quickstart", "client-without-api-access"], indirect=True)
def test_token_flow(tripletex_sandbox):
    # consumer token + employee token -> session token -> Basic auth "0:<token>" (the key's own company)
    credential = tripletex_sandbox.credentials[0]
    token = tripletex_sandbox.session(credential)

    status, body, headers = tripletex_sandbox.get("/token/session/%3EwhoAmI", token)

    assert status == 200, body
    assert body["value"]["companyId"] == credential["companyId"]
    assert body["value"]["employeeId"] == credential["employeeId"]
    assert "x-tripletex-sandbox" in headers  # an emulator's answer, never Tripletex's


def test_office_key_acts_as_client(tripletex_sandbox):
    office = tripletex_sandbox.credential(accountant_key=True)
    token = tripletex_sandbox.session(office)

    status, body, _ = tripletex_sandbox.get("/company/%3EwithLoginAccess?fields=id,name", token)
    assert status == 200, body
    clients = [company["id"] for company in body["values"]]
    assert clients == office["clients"]

    # A client's company id as the Basic-auth username: the same session, acting in the client.
    client = clients[0]
    status, body, _ = tripletex_sandbox.get("/token/session/%3EwhoAmI", token, company=client)
    assert status == 200, body
    assert body["value"]["companyId"] == client
    assert body["value"]["employeeIsProxy"] is True

    status, body, _ = tripletex_sandbox.get("/customer?fields=id,name&count=5", token, company=client)
    assert status == 200, body
    assert body["values"], "the client's seed customers"


@pytest.mark.tripletex_scenario("client-without-api-access")
def test_client_without_api_access_is_refused_until_it_ticks_api_access(tripletex_sandbox):
    office = tripletex_sandbox.credential(accountant_key=True)
    token = tripletex_sandbox.session(office)
    client = 5201  # Treig Transport AS in this scenario: linked to the office key, «API-tilgang» not ticked

    status, body, _ = tripletex_sandbox.get("/token/session/%3EwhoAmI", token, company=client)

    assert status == 403
    assert body["status"] == 403
    assert body["code"] == 9000
    assert "(rule: client_allows_api_access)" in body["developerMessage"]
    assert "«API-tilgang»" in body["developerMessage"]  # the remedy, in the product's own words

    # The remedy, as the client's administrator would do it in the web UI.
    status, body, _ = tripletex_sandbox.control("PUT", f"/clients/{client}/accountant", {"apiAccess": True})
    assert status == 200, body

    status, body, _ = tripletex_sandbox.get("/token/session/%3EwhoAmI", token, company=client)
    assert status == 200, body
    assert body["value"]["companyId"] == client
