#!/usr/bin/env python3
# Regenerates fixtures/table.json: every operation of the official Tripletex document (method, path
# template, the kind of operation its shape makes it, the resource it acts on) and a resource
# definition for every resource of the document that fixtures/resources.json (the hand-kept
# overlay: numbering, default accounts, embedded lines, required fields) does not define.
#
#   tools/generate-table.py REFERENCE_DIR
#
# REFERENCE_DIR holds openapi-full.json. Only what the table needs is written: no prose, no examples.
# The rules the document does not carry (which entitlement a resource needs, how a list parameter
# matches) are decided here, by name, and listed in FIDELITY.md.
import json, os, sys

if len(sys.argv) != 2:
    sys.exit("usage: tools/generate-table.py REFERENCE_DIR")
DOC = json.load(open(os.path.join(sys.argv[1], 'openapi-full.json')))
SCHEMAS = DOC['components']['schemas']
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
OVERLAY = {r['path']: r for r in json.load(open(os.path.join(HERE, 'resources.json')))['resources']}
METHODS = ('get', 'post', 'put', 'delete', 'patch')
PAGING = {'from', 'count', 'sorting', 'fields', 'changedSince'}


def ref_name(schema):
    return (schema or {}).get('$ref', '').split('/')[-1] or None


def response_model(op):
    """('list'|'value'|None, model) of the operation's success answer."""
    for code in ('200', '201', '204'):
        r = op.get('responses', {}).get(code)
        if not r:
            continue
        name = ref_name(r.get('content', {}).get('application/json', {}).get('schema'))
        if name and name.startswith('ListResponse'):
            return 'list', name[len('ListResponse'):]
        # A search answer (`VoucherSearchResponse`) is a list with extra sums beside its values.
        values = SCHEMAS.get(name or '', {}).get('properties', {}).get('values', {})
        if values.get('type') == 'array' and ref_name(values.get('items')):
            return 'list', ref_name(values['items'])
        if name and name.startswith('ResponseWrapper'):
            return 'value', name[len('ResponseWrapper'):]
        return None, None
    return None, None


def body_model(op):
    """('one'|'many'|None, model) of the JSON request body."""
    for ctype, content in op.get('requestBody', {}).get('content', {}).items():
        if 'json' not in ctype:
            return None, None
        schema = content.get('schema', {})
        if ref_name(schema):
            return 'one', ref_name(schema)
        if schema.get('type') == 'array' and ref_name(schema.get('items')):
            return 'many', ref_name(schema['items'])
    return None, None


def is_param(seg):
    return seg.startswith('{')


def is_action(seg):
    return seg[:1] in (':', '>')


# Every operation, and the collection path each stateful one acts on.
operations = []
for path, item in DOC['paths'].items():
    for method, op in item.items():
        if method not in METHODS:
            continue
        operations.append((method.upper(), path, op))


def classify(method, path, op):
    """(kind, collection) by the operation's shape; kind None for an action or a report."""
    segs = path.strip('/').split('/')
    if any(is_action(s) for s in segs) or any(is_param(s) for s in segs[:-1]):
        return None, None
    last = segs[-1]
    answer, answered = response_model(op)
    sent, sent_model = body_model(op)
    if is_param(last):
        # Only an id names an object the engine stores (`/event/{eventType}` is not one).
        if not (last == '{id}' or last.endswith('Id}')):
            return None, None
        coll = '/'.join(segs[:-1])
        if method == 'GET' and answer == 'value':
            return 'get', coll
        if method == 'PUT' and sent == 'one':
            return 'update', coll
        if method == 'DELETE':
            return 'delete', coll
        return None, None
    if last == 'list' and len(segs) > 1:
        coll = '/'.join(segs[:-1])
        params = [p['name'] for p in op.get('parameters', []) if p.get('in') == 'query']
        if method == 'POST' and sent == 'many':
            return 'createList', coll
        if method == 'PUT' and sent == 'many':
            return 'updateList', coll
        if method == 'DELETE' and 'ids' in params:
            return 'deleteIds', coll
        if method == 'DELETE' and sent == 'many':
            return 'deleteList', coll
        return None, None
    coll = '/'.join(segs)
    if method == 'GET' and answer == 'list':
        return 'list', coll
    if method == 'GET' and answer == 'value':
        return 'settings', coll
    if method == 'POST' and sent == 'one' and answer == 'value':
        return 'create', coll
    if method == 'PUT' and sent == 'one' and answer == 'value':
        return 'updateSettings', coll
    if method == 'DELETE' and sent == 'many':
        return 'deleteList', coll
    return None, None


classified = [(m, p, op) + classify(m, p, op) for m, p, op in operations]

# A collection's model: what its get, create or list answers.
models = {}
for wanted in ('get', 'create', 'settings', 'list'):
    for m, p, op, kind, coll in classified:
        if kind != wanted or coll in models:
            continue
        _, model = response_model(op)
        if model in SCHEMAS and 'properties' in SCHEMAS[model]:
            models[coll] = model
for path, r in OVERLAY.items():
    models[path] = r['model']
# Served by hand-written handlers (the token flow, the company, employees and their entitlements):
# their operations are in the table, their resources are not generated.
HAND = {'employee', 'employee/entitlement', 'company', 'company/salesmodules', 'token/session', 'token/consumer',
        'token/employee'}

# Where a model lives, for references: the overlay's path first, then a path with a get of its own.
home = {}
for path, r in OVERLAY.items():
    if not r.get('embedded'):
        home.setdefault(r['model'], path)
for wanted in ('get', 'create', 'list'):
    for m, p, op, kind, coll in sorted(classified, key=lambda c: len(c[1])):
        if kind == wanted and coll in models:
            home.setdefault(models[coll], coll)
home['Employee'] = 'employee'
home['Company'] = 'company'


def field_kind(prop):
    if '$ref' in prop:
        target = home.get(ref_name(prop))
        return {'type': 'ref', 'resource': target} if target else {'type': 'object'}
    t = prop.get('type')
    if t == 'array':
        target = home.get(ref_name(prop.get('items')))
        return {'type': 'array', 'resource': target} if target else {'type': 'array'}
    if t == 'integer':
        k = {'type': 'integer'}
        low = prop.get('minimum', -2**31 if prop.get('format') == 'int32' else None)
        high = prop.get('maximum', 2**31 - 1 if prop.get('format') == 'int32' else None)
        if low is not None:
            k['minimum'] = int(low)
        if high is not None:
            k['maximum'] = int(high)
        return k
    if t == 'number':
        return {'type': 'number'}
    if t == 'boolean':
        return {'type': 'boolean'}
    if t == 'string':
        k = {'type': 'string'}
        if 'enum' in prop:
            k['enum'] = prop['enum']
        if prop.get('format') == 'date':
            k['format'] = 'date'
        return k
    return {'type': 'object'}


def default_of(kind):
    t = kind['type']
    if t in ('ref', 'object'):
        return None
    if t == 'array':
        return []
    if t == 'string':
        return kind['enum'][0] if 'enum' in kind else ''
    if t == 'boolean':
        return False
    return 0


# The entitlement a resource needs, by the first segment of its path (the document does not say;
# FIDELITY.md lists the choice). None: reference data any session may read.
ENTITLEMENT = [
    (('customer', 'deliveryAddress', 'crm', 'contact'), 'AUTH_CUSTOMER'),
    (('supplier', 'supplierCustomer'), 'AUTH_SUPPLIER'),
    (('supplierInvoice', 'incomingInvoice', 'ledger', 'balanceSheet', 'bank', 'voucherInbox', 'voucherMessage',
      'voucherStatus', 'voucherApprovalListElement', 'asset', 'resultbudget', 'saft', 'vatReturns', 'yearEnd',
      'balance', 'document', 'documentArchive', 'attestation', 'vatTermSizeSettings'), 'AUTH_VOUCHER'),
    (('product', 'inventory'), 'AUTH_PRODUCT'),
    (('invoice', 'reminder', 'invoiceRemark'), 'AUTH_INVOICING'),
    (('order', 'purchaseOrder'), 'AUTH_ORDER'),
    (('employee',), 'AUTH_EMPLOYEE'),
    (('project', 'activity'), 'AUTH_PROJECT_MANAGER'),
    (('timesheet',), 'AUTH_HOURLIST'),
    (('travelExpense',), 'AUTH_TRAVEL_EXPENSE'),
    (('salary', 'pension', 'financeTax'), 'AUTH_SALARY'),
    (('department',), 'AUTH_DEPARTMENT'),
    (('country', 'currency', 'municipality', 'transportType', 'pickupPoint'), None),
]


def entitlement(path):
    first = path.split('/')[0]
    for firsts, name in ENTITLEMENT:
        if first in firsts:
            return name
    return 'AUTH_COMPANY_INFO'


def filters_of(params, fields):
    """A list's query parameters as filters, by name: ids, a reference's `xId`, a date range's
    `xFrom`/`xTo`, a property's own name (text that names something matches by contains)."""
    out = {}
    for p in params:
        name = p['name']
        if name in PAGING:
            continue
        if name in ('id', 'ids'):
            out[name] = {'match': 'ids'}
            continue
        f = None
        if name.endswith('Id') and fields.get(name[:-2], {}).get('type') in ('ref', 'object'):
            f = {'field': name[:-2], 'match': 'ref'}
        elif name.endswith('From') and fields.get(name[:-4], {}).get('format') == 'date':
            f = {'field': name[:-4], 'match': 'from'}
        elif name.endswith('To') and fields.get(name[:-2], {}).get('format') == 'date':
            f = {'field': name[:-2], 'match': 'before'}
        elif name in fields and fields[name]['type'] in ('string', 'integer', 'number', 'boolean'):
            textual = fields[name]['type'] == 'string' and 'enum' not in fields[name]
            loose = textual and ('name' in name.lower() or 'description' in name.lower())
            f = {'field': name, 'match': 'contains' if loose else 'equals'}
        if f is None:
            continue
        default = p.get('schema', {}).get('default')
        if isinstance(default, bool):
            f['default'] = 'true' if default else 'false'
        out[name] = f
    return out


# Defaults the document cannot say (a read-only state's first enum value is not where an object
# starts): a new travel expense is open.
DEFAULTS = {'travelExpense': {'state': 'OPEN'}}

# Operation kinds the engine's definitions name (domain::resource::Operation).
AS_METHOD = {'list': 'list', 'get': 'get', 'create': 'create', 'update': 'update', 'delete': 'delete',
             'createList': 'createList', 'updateList': 'updateList', 'deleteIds': 'deleteIds',
             'deleteList': 'deleteList', 'settings': 'settings', 'updateSettings': 'updateSettings'}

resources = []
by_coll = {}
for m, p, op, kind, coll in classified:
    if kind:
        by_coll.setdefault(coll, []).append((m, p, op, kind))
for coll in sorted(by_coll):
    if coll in OVERLAY or coll in HAND or coll not in models:
        continue
    model = models[coll]
    props = SCHEMAS[model]['properties']
    fields = {}
    template = {}
    for name, prop in props.items():
        if name in ('id', 'version', 'url', 'changes'):
            continue
        kind = field_kind(prop)
        if prop.get('readOnly'):
            kind['readOnly'] = True
        fields[name] = kind
        template[name] = default_of(kind)
    template.update(DEFAULTS.get(coll, {}))
    ops = by_coll[coll]
    methods = sorted({AS_METHOD[k] for _, _, _, k in ops})
    list_params = [x for m, p, op, k in ops if k == 'list' for x in op.get('parameters', []) if x.get('in') == 'query']
    required_query = {}
    for m, p, op, k in ops:
        names = [x['name'] for x in op.get('parameters', []) if x.get('in') == 'query' and x.get('required')]
        if names:
            required_query[AS_METHOD[k]] = names
    definition = {
        'path': coll, 'model': model, 'entitlement': entitlement(coll), 'scope': 'company',
        'methods': methods, 'required': [], 'filters': filters_of(list_params, fields),
        'fields': fields, 'template': template,
    }
    if required_query:
        definition['requiredQuery'] = required_query
    # A model without an id (settings, report contexts) is rendered without id, version and url.
    if 'id' not in props:
        definition['identity'] = False
    if 'displayName' in fields:
        for pattern in ('name', 'description', 'nameNO'):
            if pattern in fields and fields[pattern]['type'] == 'string':
                definition['displayName'] = '{%s}' % pattern
                break
    resources.append(definition)

known = set(OVERLAY) | {r['path'] for r in resources}

table = []
for m, p, op, kind, coll in classified:
    row = {'method': m, 'path': p}
    if kind and coll in known:
        row['kind'] = AS_METHOD[kind]
        row['resource'] = coll
    if 'multipart/form-data' in op.get('requestBody', {}).get('content', {}):
        row['form'] = True
    table.append(row)

json.dump({'resources': resources, 'operations': table}, open(os.path.join(HERE, 'table.json'), 'w'),
          separators=(',', ':'), ensure_ascii=False)
print(f"{len(table)} operations, {sum(1 for r in table if 'kind' in r)} by shape, {len(resources)} generated resources",
      file=sys.stderr)
