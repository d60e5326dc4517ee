#!/usr/bin/env python3
# Regenerates fixtures/resources.json and fixtures/seed.json: the resource definitions (field names
# and types from an official Tripletex OpenAPI document) and the seed data (realistic defaults and
# reference lists from recorded Tripletex responses). The rules (required fields, entitlements,
# filters, numbering) are written here by hand.
#
#   tools/generate-fixtures.py REFERENCE_DIR
#
# REFERENCE_DIR holds openapi-subset.json and recorded/*.json. Nothing of it is copied into the
# repository beyond what the two fixture files need.
import json, glob, os, sys
if len(sys.argv) != 2:
    sys.exit("usage: tools/generate-fixtures.py REFERENCE_DIR")
REF=sys.argv[1]
OUT=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
d=json.load(open(f'{REF}/openapi-subset.json'))
S=d['components']['schemas']

def recorded_values(resource_path):
    out=[]
    for f in glob.glob(f'{REF}/recorded/*.json'):
        j=json.load(open(f))
        api=j.get('api')
        if not isinstance(api,dict): continue
        for m,v in api.items():
            for p,r in v.items():
                if not isinstance(r,dict): continue
                path=p.split('?')[0]
                base='/v2/'+resource_path
                if path==base or (path.startswith(base+'/') and path[len(base)+1:].isdigit()):
                    resp=r.get('response')
                    if isinstance(resp,dict):
                        if 'value' in resp and isinstance(resp['value'],dict): out.append(resp['value'])
                        for x in resp.get('values') or []: out.append(x)
    return out

EMULATED={'Project':'project','Order':'order','Invoice':'invoice','Voucher':'ledger/voucher','TimesheetEntry':'timesheet/entry','Customer':'customer','Supplier':'supplier','Product':'product','Department':'department','Contact':'contact',
 'Account':'ledger/account','VatType':'ledger/vatType','Country':'country','Currency':'currency','Activity':'activity','Employee':'employee'}

def field_kind(prop):
    if '$ref' in prop:
        model=prop['$ref'].split('/')[-1]
        if model in EMULATED: return {'type':'ref','resource':EMULATED[model]}
        return {'type':'object'}
    t=prop.get('type')
    if t=='array': return {'type':'array'}
    if t=='integer':
        k={'type':'integer'}
        # Bounds as the document states them; int32 fields cannot hold more than 32 bits.
        low=prop.get('minimum', -2**31 if prop.get('format')=='int32' else None)
        high=prop.get('maximum', 2**31-1 if prop.get('format')=='int32' else None)
        if low is not None: k['minimum']=int(low)
        if high is not None: k['maximum']=int(high)
        return k
    if t=='number': return {'type':'number'}
    if t=='boolean': return {'type':'boolean'}
    if t=='string':
        k={'type':'string'}
        if 'enum' in prop: k['enum']=prop['enum']
        return k
    return {'type':'object'}

# The emulated operations and where the document keeps them: (method, path suffix) per operation.
OPERATIONS={'list':('get',''),'create':('post',''),'deleteList':('delete',''),
            'get':('get','/{id}'),'update':('put','/{id}'),'delete':('delete','/{id}')}
def required_query(path, methods):
    # The query parameters the document marks required, per operation the sandbox serves, so the
    # engine refuses a call without them as Tripletex does (422/15000, one message per argument).
    out={}
    for op in methods:
        method,suffix=OPERATIONS[op]
        operation=d['paths'].get('/'+path+suffix,{}).get(method) or {}
        names=[p['name'] for p in operation.get('parameters',[]) if p.get('in')=='query' and p.get('required')]
        if names: out[op]=names
    return out

# A date range on a list: `…From` is inclusive, `…To` exclusive ("From and including" / "To and
# excluding" in Tripletex's own parameter texts, which the stored document does not carry).
def date_range(field, start, end):
    return {start:{'field':field,'match':'from'}, end:{'field':field,'match':'before'}}

LINES={'orderLines':'order/orderline','postings':'ledger/posting'}
def definition(path, model, entitlement, required, filters, methods, scope='company', number=None, display=None, defaults=None, embedded=False, lines=(), account=None):
    props=S[model]['properties']
    rec=recorded_values(path)
    sample={}
    for r in rec:
        for k,v in r.items():
            if k in props and k not in sample and v is not None: sample[k]=v
    fields={}; template={}
    for name,prop in props.items():
        if name in ('id','version','url','changes'): continue
        kind=field_kind(prop)
        if name in lines: kind={'type':'lines','resource':LINES[name]}
        if model=='Invoice' and name=='orders': kind={'type':'array','resource':'order'}
        if kind['type']=='string' and (name=='date' or name.endswith('Date')) and 'enum' not in kind: kind['format']='date'
        if prop.get('readOnly'): kind['readOnly']=True
        fields[name]=kind
        t=kind['type']
        if t=='ref' or t=='object': v=None
        elif t=='array': v=[]
        elif t=='string':
            v=''
            if 'enum' in kind:
                s=sample.get(name)
                v=s if isinstance(s,str) and s in kind['enum'] else kind['enum'][0]
        elif t=='boolean': v=sample.get(name) if isinstance(sample.get(name),bool) else False
        else: v=0
        template[name]=v
    if defaults: template.update(defaults)
    dd={'path':path,'model':model,'entitlement':entitlement,'scope':scope,'methods':methods,'required':required,'filters':filters,'fields':fields,'template':template}
    query=required_query(path, methods)
    if query: dd['requiredQuery']=query
    if number: dd['number']=number
    # The company's ledger account a new object is booked against unless the body names one, by
    # account number (recorded: a new customer gets 1500 Kundefordringer, a supplier 2400).
    if account: dd['defaultAccount']={'field':'ledgerAccount','number':account}
    if display: dd['displayName']=display
    if embedded: dd['embedded']=True
    return dd

ALL=['list','get','create','update','delete']
defs=[
 definition('customer','Customer','AUTH_CUSTOMER',['name'],{'id':{'match':'ids'},'customerName':{'field':'name','match':'contains'},'organizationNumber':{'field':'organizationNumber','match':'equals'},'email':{'field':'email','match':'equals'},'invoiceEmail':{'field':'invoiceEmail','match':'equals'},'phoneNumberMobile':{'field':'phoneNumberMobile','match':'equals'},'isInactive':{'field':'isInactive','match':'equals','default':'false'},'accountManagerId':{'field':'accountManager','match':'ref'}},ALL,
   number={'field':'customerNumber','start':10001}, display='{name} ({customerNumber})', account=1500,
   defaults={'isCustomer':True,'language':'NO','invoicesDueIn':14,'invoicesDueInType':'DAYS','invoiceSendMethod':'EMAIL','emailAttachmentType':'ATTACHMENT','currency':{'id':1}}),
 definition('supplier','Supplier','AUTH_SUPPLIER',['name'],{'id':{'match':'ids'},'supplierNumber':{'field':'supplierNumber','match':'equals'},'organizationNumber':{'field':'organizationNumber','match':'equals'},'email':{'field':'email','match':'equals'},'invoiceEmail':{'field':'invoiceEmail','match':'equals'},'isInactive':{'field':'isInactive','match':'equals','default':'false'},'accountManagerId':{'field':'accountManager','match':'ref'}},ALL,
   number={'field':'supplierNumber','start':20001}, display='{name} ({supplierNumber})', account=2400, defaults={'isSupplier':True,'currency':{'id':1}}),
 definition('product','Product','AUTH_PRODUCT',['name'],{'ids':{'match':'ids'},'number':{'field':'number','match':'equals'},'productNumber':{'field':'number','match':'equals'},'name':{'field':'name','match':'contains'},'isInactive':{'field':'isInactive','match':'equals'},'currencyId':{'field':'currency','match':'ref'},'vatTypeId':{'field':'vatType','match':'ref'},'departmentId':{'field':'department','match':'ref'}},ALL,
   defaults={'currency':{'id':1},'vatType':{'id':3}}),
 definition('department','Department','AUTH_DEPARTMENT',['name'],{'id':{'match':'ids'},'name':{'field':'name','match':'contains'},'departmentNumber':{'field':'departmentNumber','match':'equals'},'departmentManagerId':{'field':'departmentManager','match':'ref'},'isInactive':{'field':'isInactive','match':'equals'}},ALL, display='{name}'),
 definition('contact','Contact','AUTH_CUSTOMER',['firstName','lastName'],{'id':{'match':'ids'},'firstName':{'field':'firstName','match':'contains'},'lastName':{'field':'lastName','match':'contains'},'email':{'field':'email','match':'equals'},'customerId':{'field':'customer','match':'ref'},'departmentId':{'field':'department','match':'ref'}},['list','get','create','update'], display='{firstName} {lastName}'),
 definition('ledger/account','Account','AUTH_VOUCHER',['number','name'],{'id':{'match':'ids'},'number':{'field':'number','match':'equals'},'isBankAccount':{'field':'isBankAccount','match':'equals'},'isInactive':{'field':'isInactive','match':'equals'},'ledgerType':{'field':'ledgerType','match':'equals'},'isBalanceAccount':{'field':'isBalanceAccount','match':'equals'},'saftCode':{'field':'saftCode','match':'equals'}},ALL, display='{number} {name}'),
 definition('ledger/vatType','VatType',None,[],{'id':{'match':'ids'},'number':{'field':'number','match':'equals'}},['list','get'],scope='global'),
 definition('country','Country',None,[],{'id':{'match':'ids'},'code':{'field':'isoAlpha2Code','match':'equals'}},['list','get'],scope='global'),
 definition('currency','Currency',None,[],{'id':{'match':'ids'},'code':{'field':'code','match':'equals'}},['list','get'],scope='global'),
 definition('activity','Activity','AUTH_PROJECT_MANAGER',['name','activityType'],{'id':{'match':'ids'},'name':{'field':'name','match':'contains'},'number':{'field':'number','match':'equals'},'isProjectActivity':{'field':'isProjectActivity','match':'equals'},'isGeneral':{'field':'isGeneral','match':'equals'},'isChargeable':{'field':'isChargeable','match':'equals'},'isInactive':{'field':'isDisabled','match':'equals'}},['list','get','create'], display='{name}'),

 definition('project','Project','AUTH_CREATE_PROJECT',['name','projectManager','startDate'],{'id':{'match':'ids'},'name':{'field':'name','match':'contains'},'number':{'field':'number','match':'equals'},'projectManagerId':{'field':'projectManager','match':'ref'},'customerId':{'field':'customer','match':'ref'},'departmentId':{'field':'department','match':'ref'},'isClosed':{'field':'isClosed','match':'equals'}},ALL+['deleteList'],
   number={'field':'number','start':1,'asString':True}, display='{number} {name}', defaults={'currency':{'id':1}}),
 definition('timesheet/entry','TimesheetEntry','AUTH_HOURLIST',['employee','activity','date','hours'],{'id':{'match':'ids'},'employeeId':{'field':'employee','match':'ref'},'projectId':{'field':'project','match':'ref'},'activityId':{'field':'activity','match':'ref'},'comment':{'field':'comment','match':'contains'},**date_range('date','dateFrom','dateTo')},ALL),
 definition('order/orderline','OrderLine',None,[],{},[],embedded=True),
 definition('order','Order','AUTH_ORDER',['customer','orderDate','deliveryDate'],{'id':{'match':'ids'},'number':{'field':'number','match':'equals'},'customerId':{'field':'customer','match':'ref'},'isClosed':{'field':'isClosed','match':'equals'},'isSubscription':{'field':'isSubscription','match':'equals'},**date_range('orderDate','orderDateFrom','orderDateTo')},ALL,
   number={'field':'number','start':1,'asString':True}, defaults={'currency':{'id':1},'invoicesDueIn':14,'invoicesDueInType':'DAYS'}, lines=('orderLines',)),
 definition('ledger/posting','Posting',None,[],{},[],embedded=True),
 # description is optional: the document lists no required fields for Voucher, and the only
 # refusals observed are for missing or empty postings (reference access-model, error table).
 definition('ledger/voucher','Voucher','AUTH_VOUCHER',['date','postings'],{'id':{'match':'ids'},'number':{'field':'number','match':'equals'},**date_range('date','dateFrom','dateTo')},ALL,
   number={'field':'number','start':1}, lines=('postings',)),
 definition('employee/employment','Employment','AUTH_EMPLOYEE',['employee','startDate'],{'employeeId':{'field':'employee','match':'ref'}},['list','get','create','update']),
 definition('invoice','Invoice','AUTH_INVOICING',['invoiceDate','invoiceDueDate'],{'id':{'match':'ids'},'invoiceNumber':{'field':'invoiceNumber','match':'equals'},'kid':{'field':'kid','match':'equals'},'customerId':{'field':'customer','match':'ref'},**date_range('invoiceDate','invoiceDateFrom','invoiceDateTo')},['list','get'],
   number={'field':'invoiceNumber','start':1}, defaults={'currency':{'id':1}}),
]
json.dump({'resources':defs}, open(os.path.join(OUT,'resources.json'),'w'), indent=1, ensure_ascii=False)

# Seed data: global reference lists and per-company pieces, from recorded lists.
def strip(v, keep):
    return {k:v[k] for k in keep if k in v}
def rec_list(f):
    j=json.load(open(f'{REF}/recorded/{f}'))
    for m,v in j['api'].items():
        for p,r in v.items():
            if not isinstance(r,dict): continue
            resp=r['response']
            if isinstance(resp,dict) and resp.get('values'): return resp['values']
    return []
countries=[strip(c,['id','name','displayName','isoAlpha2Code','isoAlpha3Code','isoNumericCode']) for c in rec_list('list-countries.test.json')]
currencies=[strip(c,['id','code','description','factor','displayName','isDisabled']) for c in rec_list('list-currencies.test.json')]
j=json.load(open(f'{REF}/recorded/ledger-accounts.test.json'))
accounts=[]
def walk(o):
    if isinstance(o,dict):
        if isinstance(o.get('values'),list) and o['values'] and isinstance(o['values'][0],dict) and 'number' in o['values'][0]:
            accounts.extend(o['values'])
        else:
            for v in o.values(): walk(v)
    elif isinstance(o,list):
        for v in o: walk(v)
walk(j['api'])
acc_keep=['number','name','description','ledgerType','isBalanceAccount','isBankAccount','isInactive','isApplicableForSupplierInvoice','requireReconciliation','vatLocked','saftCode','displayName','requiresDepartment','requiresProject','isInvoiceAccount','isCloseable']
accounts=[strip(a,acc_keep) for a in accounts]
vat=[{'id':1,'name':'Ingen avgiftsbehandling (inngående)','number':'0','percentage':0},
     {'id':3,'name':'Utgående mva, høy sats','number':'3','percentage':25},
     {'id':5,'name':'Ingen utgående avgift (innenfor mva-loven)','number':'5','percentage':0},
     {'id':6,'name':'Ingen utgående avgift (utenfor mva-loven)','number':'6','percentage':0},
     {'id':31,'name':'Utgående mva, middels sats','number':'31','percentage':15},
     {'id':33,'name':'Utgående mva, lav sats','number':'33','percentage':12},
     {'id':11,'name':'Fradrag inngående avgift, høy sats','number':'1','percentage':25}]
for v in vat: v['displayName']=f"{v['number']} {v['name']}"
people=[{'firstName':'Anne','lastName':'Regnskap','userType':'STANDARD','entitlements':['AUTH_VOUCHER','AUTH_INVOICING','AUTH_CUSTOMER']},
        {'firstName':'Jonas','lastName':'Lager','userType':'STANDARD','entitlements':['AUTH_PRODUCT','AUTH_ORDER','AUTH_HOURLIST']},
        {'firstName':'Sofie','lastName':'Prosjekt','userType':'EXTENDED','entitlements':['AUTH_CREATE_PROJECT','AUTH_PROJECT_MANAGER','AUTH_HOURLIST']}]
seed={'people':people,'global':{'country':countries,'currency':currencies,'ledger/vatType':vat},
      'company':{'ledger/account':accounts,
                 'department':[{'name':'Avdeling','departmentNumber':''}],
                 'customer':[{'name':'Kunde Eksempel AS','email':'post@kunde.example'},{'name':'Ola Privat','isPrivateIndividual':True}],
                 'contact':[{'firstName':'Kari','lastName':'Kontakt','email':'kari@kunde.example'}],
                 'supplier':[{'name':'Leverandør Eksempel AS','email':'faktura@leverandor.example'}],
                 'product':[{'name':'Konsulenttime','priceExcludingVatCurrency':1200},{'name':'Reisekostnad','priceExcludingVatCurrency':500}],
                 'activity':[{'name':'Administrasjon','activityType':'GENERAL_ACTIVITY','isGeneral':True}]}}
for a in seed['company']['ledger/account']:
    if a.get('number')==1920: a['bankAccountNumber']='15030012345'
json.dump(seed, open(os.path.join(OUT,'seed.json'),'w'), indent=1, ensure_ascii=False)

# Keep only fields the official schema knows for each resource.
defs_by_path={dd['path']:dd for dd in defs}
for scope in ('global','company'):  # people are not resources
    for path, objs in seed[scope].items():
        known=set(defs_by_path[path]['fields'])|{'id'}
        seed[scope][path]=[{k:v for k,v in o.items() if k in known} for o in objs]
json.dump(seed, open(os.path.join(OUT,'seed.json'),'w'), indent=1, ensure_ascii=False)
