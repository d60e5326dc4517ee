#!/usr/bin/env python3
# Refreshes the reference data every company starts with in fixtures/seed.json (payment types,
# voucher types, travel cost categories, occupation codes, employment types, product units …) from
# what a fresh Tripletex company holds (fresh-company-2026-03.json).
#
#   tools/generate-reference-seed.py REFERENCE_DIR
#
# A reference to one of the fresh company's ledger accounts becomes `{"id": "@ledger/account#NUMBER"}`,
# which the seed resolves to the company's own account with that number. The VAT types (shared by
# every company) are copied whole with their real ids. Other references (VAT
# types are shared) keep their id; fields the resource table does not know are left out.
import json, os, sys

if len(sys.argv) != 2:
    sys.exit("usage: tools/generate-reference-seed.py REFERENCE_DIR")
FRESH = json.load(open(os.path.join(sys.argv[1], 'fresh-company-2026-03.json')))['reference_data']
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
TABLE = {r['path']: r for r in json.load(open(os.path.join(HERE, 'table.json')))['resources']}
SEED_PATH = os.path.join(HERE, 'seed.json')
SEED = json.load(open(SEED_PATH))

SOURCES = {
    'invoicePaymentTypes': 'invoice/paymentType',
    'voucherTypes': 'ledger/voucherType',
    'ledgerPaymentTypesOut': 'ledger/paymentTypeOut',
    'travelCostCategories': 'travelExpense/costCategory',
    'travelPaymentTypes': 'travelExpense/paymentType',
    'occupationCodes': 'employee/employment/occupationCode',
    'employmentTypes': 'employee/employment/employmentType',
    'workingHoursSchemes': 'employee/employment/workingHoursScheme',
    'leaveOfAbsenceTypes': 'employee/employment/leaveOfAbsenceType',
    'remunerationTypes': 'employee/employment/remunerationType',
    'productUnits': 'product/unit',
}
ACCOUNT_NUMBER = {a['id']: a['number'] for a in FRESH['accounts']}


def objects(value):
    if isinstance(value, dict) and 'values' in value:
        return value['values']
    if isinstance(value, dict):
        return [value]
    return value


def seed_object(path, fresh):
    fields = TABLE[path]['fields']
    out = {}
    for name, value in fresh.items():
        if name not in fields or name in ('id', 'version', 'url'):
            continue
        if isinstance(value, dict) and 'id' in value:
            number = ACCOUNT_NUMBER.get(value['id'])
            if fields[name].get('resource') == 'ledger/account' and number is not None:
                value = {'id': f'@ledger/account#{number}'}
            elif fields[name].get('resource') == 'ledger/vatType':
                value = {'id': value['id']}
            else:
                continue
        out[name] = value
    return out


for key, path in SOURCES.items():
    SEED['company'][path] = [seed_object(path, o) for o in objects(FRESH[key])]

# A fresh company's accounting periods: the months of its first year, each ending where the next
# starts (as recorded traffic reads them: 2026-03-01 to 2026-04-01). The reference data does not
# list them; the sandbox's companies start in 2026.
MONTHS = ['Januar', 'Februar', 'Mars', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September',
          'Oktober', 'November', 'Desember']
SEED['company']['ledger/accountingPeriod'] = [
    {'number': m + 1, 'name': f'{MONTHS[m]} 2026', 'start': f'2026-{m + 1:02d}-01',
     'end': f'2026-{m + 2:02d}-01' if m < 11 else '2027-01-01', 'isClosed': False}
    for m in range(12)
]

# VAT types are shared by every company and keep the real ids (clients send {"id": 3}).
VAT_FIELDS = ('name', 'number', 'displayName', 'percentage', 'deductionPercentage')
SEED['global']['ledger/vatType'] = [
    {'id': v['id'], **{f: v[f] for f in VAT_FIELDS if f in v}} for v in FRESH['vatTypes']
]
json.dump(SEED, open(SEED_PATH, 'w'), indent=1, ensure_ascii=False)
print(f"{sum(len(objects(FRESH[k])) for k in SOURCES)} reference objects in {len(SOURCES)} resources", file=sys.stderr)
