"""Asserting what an integration called, the way WireMock's verify does (see docs/verify.md)."""

import pytest


def test_verify_counts_the_calls_and_names_the_nearest_on_a_mismatch(sandbox):
    token = sandbox.session(sandbox.credential())
    status, body, _ = sandbox.call("POST", "/customer", token, {"name": "Acme AS"})
    assert status == 201, body

    assert sandbox.count(method="POST", template="/customer", body="name=Acme AS") == 1
    sandbox.verify(
        {"method": "POST", "path": "/customer", "body": [{"path": "name", "equals": "Acme AS"}], "count": 1},
        {"method": "DELETE", "path": "/customer/{id}", "atMost": 0},
    )

    with pytest.raises(AssertionError) as failed:
        sandbox.verify({"method": "POST", "path": "/customer", "body": [{"path": "name", "equals": "Other AS"}]})
    assert "POST /v2/customer" in str(failed.value)  # the nearest call, with what differs
