"""An event subscription end to end: the sandbox posts each webhook to a receiver on loopback."""


def test_a_created_customer_reaches_the_receiver(tripletex_sandbox, tripletex_webhook_receiver):
    token = tripletex_sandbox.session(tripletex_sandbox.credentials[0])
    status, body, _ = tripletex_sandbox.call("POST", "/event/subscription", token, {
        "event": "customer.create", "targetUrl": tripletex_webhook_receiver.url("/hooks"), "fields": "id,name",
        "authHeaderName": "Authorization", "authHeaderValue": "Bearer abc123",
    })
    assert status == 201, body
    subscription = body["value"]["id"]

    status, body, _ = tripletex_sandbox.call("POST", "/customer", token, {"name": "Webhook AS"})
    assert status == 201, body
    customer = body["value"]["id"]

    [(path, headers, webhook)] = tripletex_webhook_receiver.wait_for(1)
    assert path == "/hooks"
    assert headers["Authorization"] == "Bearer abc123"
    assert webhook == {
        "subscriptionId": subscription, "event": "customer.create", "id": customer,
        "value": {"id": customer, "name": "Webhook AS"},
    }


def test_a_held_event_leaves_when_delivery_resumes(tripletex_sandbox, tripletex_webhook_receiver):
    token = tripletex_sandbox.session(tripletex_sandbox.credentials[0])
    tripletex_sandbox.call("POST", "/event/subscription", token,
                 {"event": "customer.delete", "targetUrl": tripletex_webhook_receiver.url()})
    status, body, _ = tripletex_sandbox.control("PUT", "/webhooks", {"paused": True})
    assert status == 200 and body["value"]["paused"] is True, body
    _, made, _ = tripletex_sandbox.call("POST", "/customer", token, {"name": "Kortlivet AS"})
    status, _, _ = tripletex_sandbox.call("DELETE", f"/customer/{made['value']['id']}", token)
    assert status == 204

    tripletex_sandbox.control("PUT", "/webhooks", {"paused": False})
    [(_, _, webhook)] = tripletex_webhook_receiver.wait_for(1)
    assert (webhook["event"], webhook["id"], webhook["value"]) == ("customer.delete", made["value"]["id"], None)
