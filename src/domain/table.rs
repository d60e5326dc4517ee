//! The operation table: every operation of the official document (method and path template, from
//! `fixtures/table.json`), how a request path finds its operation, and how far the sandbox
//! emulates each one (`semantic`, `stateful` or `declared`). Pure: no HTTP, no SQL.

use crate::domain::resource::{self, Operation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The operations served by hand-written handlers: the token flow, the company, employees and
/// their entitlements. With the [`HOOKED`] operations they are the semantic ones; everything
/// else the engine serves by the operation's shape, or declares.
pub const HAND_WRITTEN: &[(&str, &str)] = &[
    ("PUT", "/token/session/:create"),
    ("POST", "/token/session/:create"),
    ("GET", "/token/session/>whoAmI"),
    ("DELETE", "/token/session/{token}"),
    ("PUT", "/token/employee/:create"),
    ("GET", "/token/consumer/byToken"),
    ("PUT", "/company"),
    ("GET", "/company/{id}"),
    ("GET", "/company/>withLoginAccess"),
    ("GET", "/company/salesmodules"),
    ("POST", "/company/salesmodules"),
    ("GET", "/employee"),
    ("POST", "/employee"),
    ("GET", "/employee/{id}"),
    ("PUT", "/employee/{id}"),
    ("GET", "/employee/entitlement"),
    ("GET", "/employee/entitlement/{id}"),
    ("GET", "/employee/entitlement/client"),
    ("PUT", "/employee/entitlement/:grantEntitlementsByTemplate"),
    ("PUT", "/employee/entitlement/:grantClientEntitlementsByTemplate"),
    ("GET", "/event"),
    ("GET", "/event/{eventType}"),
];

/// An operation whose behaviour is its resource's own, beyond what its shape gives: the engine
/// runs the hook (`actions::hooks`) instead of the generic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Hook {
    CreateOrderLine,
    CreateOrderLines,
    GetOrderLine,
    UpdateOrderLine,
    DeleteOrderLine,
    ListPostings,
    GetPosting,
    PayInvoice,
    CreditInvoice,
    SendInvoice,
    ReverseVoucher,
    SendVoucherToLedger,
    AttachToVoucher,
    DeliverTravelExpenses,
    ApproveTravelExpenses,
    UndeliverTravelExpenses,
    UnapproveTravelExpenses,
    ActivitiesForTimeSheet,
    ApproveSupplierInvoice,
    PostSupplierInvoice,
    CreateInvoice,
    InvoiceOrder,
    CreateIncomingInvoice,
    BalanceSheet,
    LedgerAccounts,
    CreateSalaryTransaction,
    OpenPostings,
    CurrencyRate,
    CurrencyConvert,
    CurrencyExchange,
    PaySupplierInvoice,
    CreateReminder,
    ImportBankStatement,
    SuggestBankMatches,
    CreateBankMatch,
    DeleteBankMatch,
    CreateDimensionName,
    CreateDimensionValue,
    SearchDimensionNames,
    SearchDimensionValues,
    CreateEmploymentDetails,
    CreateProjectActivity,
    ListTimesheetEntries,
}

/// The documented operations each hook serves.
pub const HOOKED: &[(&str, &str, Hook)] = &[
    ("POST", "/order/orderline", Hook::CreateOrderLine),
    ("POST", "/order/orderline/list", Hook::CreateOrderLines),
    ("GET", "/order/orderline/{id}", Hook::GetOrderLine),
    ("PUT", "/order/orderline/{id}", Hook::UpdateOrderLine),
    ("DELETE", "/order/orderline/{id}", Hook::DeleteOrderLine),
    ("GET", "/ledger/posting", Hook::ListPostings),
    ("GET", "/ledger/posting/{id}", Hook::GetPosting),
    ("PUT", "/invoice/{id}/:payment", Hook::PayInvoice),
    ("PUT", "/invoice/{id}/:createCreditNote", Hook::CreditInvoice),
    ("PUT", "/invoice/{id}/:send", Hook::SendInvoice),
    ("PUT", "/ledger/voucher/{id}/:reverse", Hook::ReverseVoucher),
    ("PUT", "/ledger/voucher/{id}/:sendToLedger", Hook::SendVoucherToLedger),
    ("POST", "/ledger/voucher/{voucherId}/attachment", Hook::AttachToVoucher),
    ("PUT", "/travelExpense/:deliver", Hook::DeliverTravelExpenses),
    ("PUT", "/travelExpense/:approve", Hook::ApproveTravelExpenses),
    ("PUT", "/travelExpense/:undeliver", Hook::UndeliverTravelExpenses),
    ("PUT", "/travelExpense/:unapprove", Hook::UnapproveTravelExpenses),
    ("GET", "/activity/>forTimeSheet", Hook::ActivitiesForTimeSheet),
    ("GET", "/balanceSheet", Hook::BalanceSheet),
    ("GET", "/ledger", Hook::LedgerAccounts),
    ("POST", "/salary/transaction", Hook::CreateSalaryTransaction),
    ("GET", "/ledger/posting/openPost", Hook::OpenPostings),
    (
        "PUT",
        "/supplierInvoice/{invoiceId}/:approve",
        Hook::ApproveSupplierInvoice,
    ),
    (
        "PUT",
        "/supplierInvoice/voucher/{id}/postings",
        Hook::PostSupplierInvoice,
    ),
    ("POST", "/invoice", Hook::CreateInvoice),
    ("PUT", "/order/{id}/:invoice", Hook::InvoiceOrder),
    ("POST", "/incomingInvoice", Hook::CreateIncomingInvoice),
    ("GET", "/currency/{id}/rate", Hook::CurrencyRate),
    ("PUT", "/invoice/{id}/:createReminder", Hook::CreateReminder),
    ("POST", "/bank/statement/import", Hook::ImportBankStatement),
    ("PUT", "/bank/reconciliation/match/:suggest", Hook::SuggestBankMatches),
    ("POST", "/bank/reconciliation/match", Hook::CreateBankMatch),
    ("DELETE", "/bank/reconciliation/match/{id}", Hook::DeleteBankMatch),
    ("POST", "/ledger/accountingDimensionName", Hook::CreateDimensionName),
    ("POST", "/ledger/accountingDimensionValue", Hook::CreateDimensionValue),
    (
        "GET",
        "/ledger/accountingDimensionName/search",
        Hook::SearchDimensionNames,
    ),
    (
        "GET",
        "/ledger/accountingDimensionValue/search",
        Hook::SearchDimensionValues,
    ),
    (
        "POST",
        "/supplierInvoice/{invoiceId}/:addPayment",
        Hook::PaySupplierInvoice,
    ),
    ("GET", "/currency/{fromCurrencyID}/exchangeRate", Hook::CurrencyExchange),
    (
        "GET",
        "/currency/{fromCurrencyID}/{toCurrencyID}/exchangeRate",
        Hook::CurrencyConvert,
    ),
    ("POST", "/employee/employment/details", Hook::CreateEmploymentDetails),
    ("POST", "/project/projectActivity", Hook::CreateProjectActivity),
    ("GET", "/timesheet/entry", Hook::ListTimesheetEntries),
];

/// The hook serving `method path`, if one does.
fn hook_of(method: &str, path: &str) -> Option<Hook> {
    HOOKED
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, hook)| *hook)
}

/// What the live API does with a method the official document does not give a path, where a
/// fresh company was seen to answer otherwise than the 400 every other such call gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undocumented {
    /// Checks the body's required fields as the live API does; beyond that not emulated (501).
    ChecksRequired,
    /// Refused to everyone, a company administrator holding every entitlement included (403).
    Refused,
}

/// The undocumented operations the live API answers, by method and resource path.
const UNDOCUMENTED: &[(&str, &str, Undocumented)] = &[
    ("POST", "salary/payslip", Undocumented::ChecksRequired),
    ("POST", "resultbudget", Undocumented::ChecksRequired),
    ("POST", "salary/type", Undocumented::Refused),
];

/// The live API's way with `method` on `path` (below `/v2`, no leading slash), where the
/// document lacks the operation and the live API was seen to answer it.
pub fn undocumented(method: &str, path: &str) -> Option<(&'static str, Undocumented)> {
    UNDOCUMENTED
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, p, answer)| (*p, *answer))
}

/// `POST /salary/type`: a fresh company's administrator, holding every entitlement and the wage
/// module, was refused; salary types are Tripletex's own list.
pub fn salary_types_are_tripletex_own() -> crate::domain::denial::Denial {
    crate::domain::denial::Denial::new(
        crate::domain::denial::DenialKind::Forbidden,
        crate::domain::denial::Rule::SalaryTypesAreTripletexOwn,
        "Salary types are Tripletex's own list: the API does not make new ones, whatever the key's access.",
    )
    .remedy("pick one of GET /v2/salary/type; a company's own wage codes are set up in Lønn > Lønnsarter.")
}

/// How far the sandbox emulates an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Hand-written behaviour, or the engine with a resource's hand-kept rules.
    Semantic,
    /// The engine's generic behaviour for the operation's shape, stored per company.
    Stateful,
    /// Routed and named, answered 501: not emulated yet.
    Declared,
}

#[derive(Debug, Clone, Deserialize)]
struct Row {
    method: String,
    path: String,
    #[serde(default)]
    kind: Option<Operation>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    form: bool,
}

#[derive(Debug, Deserialize)]
struct TableFile {
    operations: Vec<Row>,
}

/// One operation of the document, as the sandbox serves it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    pub method: String,
    /// The document's path template below `/v2`, e.g. `/invoice/{id}/:payment`.
    pub path: String,
    /// The operation's kind where its shape makes it a generic one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Operation>,
    /// The resource (collection path) a generic operation acts on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub level: Level,
    /// The resource's own behaviour for this operation, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<Hook>,
    /// The body is a file sent as `multipart/form-data`.
    #[serde(skip)]
    pub form: bool,
}

impl Route {
    /// `PUT /invoice/{id}/:payment`, as messages name it.
    pub fn name(&self) -> String {
        format!("{} /v2{}", self.method, self.path)
    }
}

/// A node of the path trie: literal segments first, then one parameter.
#[derive(Debug, Default)]
struct Node {
    literal: HashMap<String, Node>,
    param: Option<(String, Box<Node>)>,
    /// The operations ending here, by method.
    routes: Vec<usize>,
}

/// Every operation, and a trie over their path templates.
#[derive(Debug)]
pub struct Table {
    pub routes: Vec<Route>,
    root: Node,
}

/// What a request's method and path find in the table.
#[derive(Debug)]
pub enum Found<'t> {
    /// An operation, with the path parameters' values by name.
    Operation(&'t Route, Vec<(&'t str, String)>),
    /// A documented path without this method; the methods it has.
    OtherMethods(Vec<&'t str>),
    /// No documented path.
    Nothing,
}

fn level(row: &Row) -> Level {
    let hand_written = |method: &str, path: &str| {
        HAND_WRITTEN.iter().any(|(m, p)| *m == method && *p == path) || hook_of(method, path).is_some()
    };
    if hand_written(&row.method, &row.path) {
        return Level::Semantic;
    }
    let (Some(kind), Some(path)) = (row.kind, row.resource.as_deref()) else {
        return Level::Declared;
    };
    let Some(def) = resource::find(path) else {
        return Level::Declared;
    };
    if def.embedded || !def.allows(kind) {
        return Level::Declared;
    }
    // A bulk create of a resource whose create is hand-written would skip its rules.
    if kind == Operation::CreateList && hand_written("POST", &format!("/{path}")) {
        return Level::Declared;
    }
    if def.hand_kept {
        Level::Semantic
    } else {
        Level::Stateful
    }
}

impl Table {
    fn build(rows: Vec<Row>) -> Self {
        let mut root = Node::default();
        let mut routes = Vec::with_capacity(rows.len());
        for row in rows {
            let mut node = &mut root;
            for segment in row.path.trim_start_matches('/').split('/') {
                node = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        let (_, child) = node.param.get_or_insert_with(|| (name.to_owned(), Box::default()));
                        child
                    }
                    None => node.literal.entry(segment.to_owned()).or_default(),
                };
            }
            node.routes.push(routes.len());
            routes.push(Route {
                level: level(&row),
                hook: hook_of(&row.method, &row.path),
                method: row.method,
                path: row.path,
                kind: row.kind,
                resource: row.resource,
                form: row.form,
            });
        }
        Self { routes, root }
    }

    /// Finds the operation for `method` and a path below `/v2` whose segments are already
    /// percent-decoded. A literal segment wins over a parameter, as in the document.
    pub fn find<'t>(&'t self, method: &str, segments: &[&str]) -> Found<'t> {
        let mut nodes = Vec::new();
        let mut params = Vec::new();
        collect(&self.root, segments, &mut params, &mut nodes);
        if nodes.is_empty() {
            return Found::Nothing;
        }
        for (node, bound) in &nodes {
            if let Some(&i) = node.routes.iter().find(|&&i| self.routes[i].method == method) {
                return Found::Operation(&self.routes[i], bound.clone());
            }
        }
        let mut methods: Vec<&str> = nodes
            .iter()
            .flat_map(|(node, _)| node.routes.iter().map(|&i| self.routes[i].method.as_str()))
            .collect();
        methods.sort_unstable();
        methods.dedup();
        Found::OtherMethods(methods)
    }

    /// The document's path template of `resource`'s operation of `kind` (a bulk delete is
    /// `DELETE /x` on some resources and `DELETE /x/list` on others).
    pub fn path_of(&self, resource: &str, kind: Operation) -> Option<&str> {
        self.routes
            .iter()
            .find(|r| r.kind == Some(kind) && r.resource.as_deref() == Some(resource))
            .map(|r| r.path.as_str())
    }

    /// How many operations sit at each level.
    pub fn counts(&self) -> [(Level, usize); 3] {
        let count = |level| self.routes.iter().filter(|r| r.level == level).count();
        [
            (Level::Semantic, count(Level::Semantic)),
            (Level::Stateful, count(Level::Stateful)),
            (Level::Declared, count(Level::Declared)),
        ]
    }
}

/// Every node the segments reach with operations there, most literal first, with the values bound
/// on the way.
fn collect<'t>(
    node: &'t Node,
    rest: &[&str],
    bound: &mut Vec<(&'t str, String)>,
    out: &mut Vec<(&'t Node, Vec<(&'t str, String)>)>,
) {
    let Some((segment, tail)) = rest.split_first() else {
        if !node.routes.is_empty() {
            out.push((node, bound.clone()));
        }
        return;
    };
    if let Some(child) = node.literal.get(*segment) {
        collect(child, tail, bound, out);
    }
    if let Some((name, child)) = &node.param
        && !segment.is_empty()
    {
        bound.push((name, (*segment).to_owned()));
        collect(child, tail, bound, out);
        bound.pop();
    }
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Semantic => "semantic",
            Self::Stateful => "stateful",
            Self::Declared => "declared",
        }
    }

    /// `semantic`, `stateful` or `declared`.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Semantic, Self::Stateful, Self::Declared]
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The coverage report as JSON: the counts per level and every operation (of `only` a level).
pub fn coverage_json(table: &Table, only: Option<Level>) -> serde_json::Value {
    let counts: serde_json::Map<String, serde_json::Value> = table
        .counts()
        .iter()
        .map(|(level, n)| (level.as_str().to_owned(), (*n).into()))
        .chain([("total".to_owned(), table.routes.len().into())])
        .collect();
    let operations: Vec<&Route> = table
        .routes
        .iter()
        .filter(|r| only.is_none_or(|l| r.level == l))
        .collect();
    serde_json::json!({ "counts": counts, "operations": operations })
}

/// The coverage report as text: a line of counts, then one line per operation.
pub fn coverage_text(table: &Table, only: Option<Level>) -> String {
    let [(_, semantic), (_, stateful), (_, declared)] = table.counts();
    let mut out = format!(
        "{} operations of the official document: {semantic} semantic, {stateful} stateful, {declared} declared (501)\n",
        table.routes.len()
    );
    for route in table.routes.iter().filter(|r| only.is_none_or(|l| r.level == l)) {
        out.push_str(&format!(
            "{:<9} {:<6} {}\n",
            route.level.as_str(),
            route.method,
            route.path
        ));
    }
    out
}

/// Whether two path templates are the same with their parameters unnamed
/// (`/incomingInvoice/{voucherId}` and `/incomingInvoice/{id}`).
pub fn same_template(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.split('/'), b.split('/'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == y || (x.starts_with('{') && y.starts_with('{')) => {}
            _ => return false,
        }
    }
}

static TABLE: OnceLock<Result<Table, String>> = OnceLock::new();

/// The table, parsed once (startup asks first, so a broken file stops the emulator).
pub fn table() -> Result<&'static Table, String> {
    TABLE
        .get_or_init(|| {
            serde_json::from_str::<TableFile>(resource::TABLE_TEXT)
                .map(|f| Table::build(f.operations))
                .map_err(|e| format!("fixtures/table.json is not valid: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undocumented_operations_are_known_by_method_and_path() {
        assert_eq!(
            undocumented("POST", "salary/type"),
            Some(("salary/type", Undocumented::Refused))
        );
        assert_eq!(
            undocumented("POST", "salary/payslip").map(|(_, a)| a),
            Some(Undocumented::ChecksRequired)
        );
        assert_eq!(undocumented("PUT", "salary/type"), None);
        assert_eq!(undocumented("POST", "reminder"), None);
    }

    #[test]
    fn salary_types_are_tripletex_own_for_every_key() {
        let denial = salary_types_are_tripletex_own();
        assert_eq!(
            (denial.kind, denial.rule),
            (
                crate::domain::denial::DenialKind::Forbidden,
                "salary_types_are_tripletex_own"
            )
        );
        assert!(denial.remedy.is_some_and(|r| r.contains("GET /v2/salary/type")));
    }

    fn found(method: &str, path: &str) -> Option<(String, Vec<(String, String)>)> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match table().unwrap().find(method, &segments) {
            Found::Operation(route, params) => Some((
                route.path.clone(),
                params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            )),
            _ => None,
        }
    }

    #[test]
    fn the_table_holds_every_operation_of_the_document() {
        let table = table().unwrap();
        assert_eq!(table.routes.len(), 800);
        let [(_, semantic), (_, stateful), (_, declared)] = table.counts();
        assert_eq!(semantic + stateful + declared, 800);
        assert!(
            semantic >= HAND_WRITTEN.len() + HOOKED.len() && stateful > 300,
            "{semantic} {stateful} {declared}"
        );
    }

    #[test]
    fn templates_are_the_same_with_their_parameters_unnamed() {
        assert!(same_template("/incomingInvoice/{voucherId}", "/incomingInvoice/{id}"));
        assert!(!same_template("/incomingInvoice/{id}", "/incomingInvoice/list"));
        assert!(!same_template("/a/{id}", "/a/{id}/b"));
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        assert_eq!(found("GET", "/invoice/paymentType").unwrap().0, "/invoice/paymentType");
        assert_eq!(
            found("GET", "/invoice/12").unwrap(),
            ("/invoice/{id}".to_owned(), vec![("id".to_owned(), "12".to_owned())])
        );
        assert_eq!(
            found("PUT", "/invoice/12/:payment").unwrap().0,
            "/invoice/{id}/:payment"
        );
        assert_eq!(found("GET", "/company/divisions").unwrap().0, "/company/divisions");
    }

    #[test]
    fn a_parameter_is_tried_where_the_literal_has_no_such_method() {
        // `/ledger/voucher/historical` has no DELETE, `/ledger/voucher/{id}` has.
        assert_eq!(
            found("DELETE", "/ledger/voucher/historical").unwrap().0,
            "/ledger/voucher/{id}"
        );
    }

    #[test]
    fn a_path_the_document_lacks_finds_nothing_and_a_known_one_names_its_methods() {
        let table = table().unwrap();
        assert!(matches!(table.find("GET", &["nosuch"]), Found::Nothing));
        assert!(matches!(table.find("GET", &["customer", ""]), Found::Nothing));
        match table.find("PATCH", &["customer"]) {
            Found::OtherMethods(methods) => assert_eq!(methods, vec!["GET", "POST"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hand_written_and_generic_operations_have_their_levels() {
        let level = |method: &str, path: &str| {
            table()
                .unwrap()
                .routes
                .iter()
                .find(|r| r.method == method && r.path == path)
                .map(|r| r.level)
        };
        assert_eq!(level("PUT", "/token/session/:create"), Some(Level::Semantic));
        assert_eq!(level("POST", "/customer"), Some(Level::Semantic));
        assert_eq!(level("POST", "/travelExpense"), Some(Level::Stateful));
        assert_eq!(level("GET", "/project/settings"), Some(Level::Stateful));
        assert_eq!(level("PUT", "/invoice/{id}/:send"), Some(Level::Semantic));
        assert_eq!(level("PUT", "/invoice/{id}/:createReminder"), Some(Level::Semantic));
        assert_eq!(level("PUT", "/travelExpense/:createVouchers"), Some(Level::Declared));
        assert_eq!(level("POST", "/invoice/list"), Some(Level::Declared));
    }
}
