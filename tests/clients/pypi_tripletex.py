"""Runs the PyPI `tripletex` client (0.1.8, unchanged) against the emulator.

Started by tests/api/clients.rs. Settings come from the environment:
  API_HOST        the emulator (or a sandbox's baseUrl), without /v2
  CONSUMER_TOKEN  the integration's consumer token
  EMPLOYEE_TOKEN  the key's employee token
Prints one line per step and exits 1 at the first step that fails, naming it.
"""

import os
import sys
import traceback
import uuid

try:
    from tripletex.core.api import TripletexAPI
    from tripletex.core.client import TripletexClient
    from tripletex.core.config import TripletexConfig
    from tripletex.endpoints.supplier.models import SupplierCreate
except ImportError as err:
    print(f"error: the PyPI package tripletex==0.1.8 is not installed for {sys.executable}: {err}")
    print("fix: pip install tripletex==0.1.8 (.ci/run installs it into a venv under target/)")
    sys.exit(2)


def main() -> int:
    # 0.1.8 takes the tokens as attributes (its README's keyword arguments are refused).
    config = TripletexConfig(hostname=os.environ["API_HOST"].rstrip("/") + "/")
    config.consumer_token = os.environ["CONSUMER_TOKEN"]
    config.employee_token = os.environ["EMPLOYEE_TOKEN"]
    api = TripletexAPI(client=TripletexClient(config=config))

    def listed(name, call, may_be_empty=False):
        response = call()
        # Some endpoints answer a response model, others the list itself.
        values = response.values if hasattr(response, "values") else response
        if not values and not may_be_empty:
            raise AssertionError(f"{name}: the list is empty")
        first = f", first id {values[0].id}" if values else ""
        print(f"ok: {name}: {len(values)} listed{first}")
        return values

    name = f"PyPI client supplier {uuid.uuid4().hex[:8]}"
    steps = [
        ("list employees", lambda: listed("employees", api.employee.list)),
        ("list departments", lambda: listed("departments", api.departments.list)),
        ("list countries", lambda: listed("countries", api.country.list)),
        ("list ledger accounts", lambda: listed("ledger accounts", api.ledger.account.list)),
        ("list VAT types", lambda: listed("VAT types", api.ledger.vat_type.list)),
        # A fresh company has no projects. With one, 0.1.8 fails against Tripletex as well: its
        # Project model reads projectManager as an Employee with a required department, and the
        # API sends projectManager as an {id, url} stub.
        ("list projects", lambda: listed("projects", api.projects.list, may_be_empty=True)),
    ]
    for step, run in steps:
        try:
            run()
        except Exception:  # noqa: BLE001 - the whole failure is the message
            print(f"FAILED: {step}")
            traceback.print_exc(file=sys.stdout)
            return 1
    try:
        created = api.suppliers.create(SupplierCreate(name=name, email="supplier@example.com"))
        print(f"ok: create supplier: id {created.id}")
        read = api.suppliers.read(str(created.id))
        assert read.id == created.id, f"read back id {read.id}, created {created.id}"
        assert read.name == name, f"read back name {read.name!r}, sent {name!r}"
        assert read.email == "supplier@example.com", f"read back email {read.email!r}"
        print(f"ok: read back supplier {read.id}: {read.name}")
        # Not tried: suppliers.get_by_name_or_404, which sends name=…; GET /supplier has no such
        # argument in the official document, so Tripletex (and the sandbox) list every supplier.
    except Exception:  # noqa: BLE001
        print("FAILED: create and read back a supplier")
        traceback.print_exc(file=sys.stdout)
        return 1
    print("all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
