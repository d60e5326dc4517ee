"""Asserting what the integration called: the journal's count and verify, and the least access its
key needed (the pytest-tripletex-sandbox plugin's fixtures)."""

import pytest


def test_the_calls_made_are_counted_and_verified(tripletex_sandbox, tripletex_session):
    status, body, _ = tripletex_sandbox.call("POST", "/customer", tripletex_session, {"name": "Acme AS"})
    assert status == 201, body
    status, _, _ = tripletex_sandbox.get("/customer?name=Acme", tripletex_session)
    assert status == 200

    assert tripletex_sandbox.journal_count(method="POST", template="/customer", body="name=Acme AS") == 1
    assert tripletex_sandbox.journal_count(method="DELETE") == 0
    [created, never] = tripletex_sandbox.verify([
        {"method": "POST", "path": "/customer", "body": [{"path": "name", "equals": "Acme AS"}], "count": 1},
        {"method": "DELETE", "path": "/customer/{id}", "atMost": 0},
    ])
    assert created["holds"] and created["matched"] == 1
    assert never["holds"] and never["matched"] == 0


def test_a_pattern_that_does_not_hold_fails_the_test_with_the_near_misses(tripletex_sandbox, tripletex_session):
    tripletex_sandbox.call("POST", "/customer", tripletex_session, {"name": "Acme AS"})
    with pytest.raises(pytest.fail.Exception, match="nearest: POST /v2/customer"):
        tripletex_sandbox.verify([{"method": "POST", "path": "/customer",
                                   "body": [{"path": "name", "equals": "Other AS"}], "count": 1}])


def test_the_required_access_names_what_the_key_needed(tripletex_sandbox, tripletex_session, tripletex_control):
    status, _, _ = tripletex_sandbox.get("/customer?count=1", tripletex_session)
    assert status == 200
    status, journal, _ = tripletex_control("GET", "/journal?count=1")  # the newest call, and its key
    assert status == 200, journal
    key = journal["values"][0]["keyId"]

    report = tripletex_sandbox.required_access(key)

    assert report["keyId"] == key
    assert "AUTH_CUSTOMER" in [entitlement["name"] for entitlement in report["entitlements"]]
