#!/usr/bin/env python3
"""Server CPU per customer create, with and without 100 subscriptions to customer.create, on one
server: six rounds of `wrk` alternate no subscriptions / 100 subscriptions (delivery paused), and
each round prints the requests per second, the server's CPU per request (read from /proc, so other
load on the machine moves it far less than it moves the rate) and the CPU per request of the
delivery worker's thread (which also runs request transactions handed to it while it holds the
sandbox's connection).

    python3 tools/webhook-cpu-bench.py target/release/tripletex-sandbox [toggle|same|subs]

`same` never subscribes, `subs` subscribes before the first round.
"""
import importlib.util
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("load_bench", os.path.join(HERE, "load-bench.py"))
lb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lb)

ROUNDS, SECONDS, CONNECTIONS, SUBSCRIPTIONS = 6, 5, 32, 100


def cpu_seconds(stat_path):
    fields = open(stat_path).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_seconds(pid):
    for task in os.listdir(f"/proc/{pid}/task"):
        path = f"/proc/{pid}/task/{task}/stat"
        if "(webhooks)" in open(path).read():
            return cpu_seconds(path)
    return 0.0


def main():
    binary = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "toggle"
    wrk = shutil.which("wrk") or sys.exit("wrk is needed (apt-get install wrk)")
    server = lb.Server(binary)
    try:
        server.first_200()
        client = lb.Client(server.host, server.port)
        own, _ = lb.pick_credentials(client)
        auth = lb.basic(0, own["session"])
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        script = lb.write_lua(tempfile.mkdtemp(), "create", "POST", "/v2/customer", headers, json.dumps({"name": "Bench AS"}))
        client.expect("pause delivery", 200, "PUT", "/_sandbox/webhooks", body={"paused": True})
        subscriptions = []
        pid = server.proc.pid
        for round_ in range(ROUNDS):
            subscribed = mode == "subs" or (mode == "toggle" and round_ % 2 == 1)
            if subscribed and not subscriptions:
                for n in range(SUBSCRIPTIONS):
                    body = {"event": "customer.create", "targetUrl": f"http://127.0.0.1:9/hook/{n}"}
                    made = client.expect("subscription", 201, "POST", "/v2/event/subscription", auth=auth, body=body)
                    subscriptions.append(made["value"]["id"])
            if not subscribed and subscriptions:
                for id_ in subscriptions:
                    client.expect("unsubscribe", 204, "DELETE", f"/v2/event/subscription/{id_}", auth=auth)
                subscriptions = []
            process, worker = cpu_seconds(f"/proc/{pid}/stat"), worker_seconds(pid)
            result = lb.run_wrk(wrk, server.url(), script, SECONDS, CONNECTIONS)
            requests = result["rps"] * SECONDS
            process = cpu_seconds(f"/proc/{pid}/stat") - process
            worker = worker_seconds(pid) - worker
            print(
                f"{round_} {'100 subscriptions' if subscribed else 'none':>17}: {result['rps']:.0f} rps, "
                f"{process / requests * 1e6:.1f} us CPU per create, worker thread {worker / requests * 1e6:.1f} us",
                flush=True,
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
