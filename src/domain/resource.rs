//! The data resources integrations call (customer, product, …) as a table of definitions read
//! from `fixtures/resources.json`, and the rules of writing them: known fields, types, required
//! fields, references, numbering, display names and versions. Pure: no HTTP, no SQL.

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::kind::{Home, Kind};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// How a field of a resource is typed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDef {
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// For references: the resource path of the referenced object.
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default, rename = "enum")]
    pub allowed: Option<Vec<String>>,
    /// `date` for fields that hold `YYYY-MM-DD`.
    #[serde(default)]
    pub format: Option<String>,
    /// For integers: the smallest and largest value the official document allows.
    #[serde(default)]
    pub minimum: Option<i64>,
    #[serde(default)]
    pub maximum: Option<i64>,
}

impl FieldDef {
    /// Whether a stored `{"id": n}` renders as a `{id, url}` stub: references, and embedded
    /// objects Tripletex shows as stubs unless `fields` selects into them (a customer's addresses).
    pub fn renders_as_stub(&self) -> bool {
        self.resource.is_some() && matches!(self.kind, FieldKind::Ref | FieldKind::Object)
    }

    /// Whether an integer lies within the field's bounds.
    pub fn holds(&self, value: i64) -> bool {
        self.minimum.is_none_or(|low| value >= low) && self.maximum.is_none_or(|high| value <= high)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    String,
    Integer,
    Number,
    Boolean,
    /// `{"id": n}` pointing at another emulated resource.
    Ref,
    /// An embedded object the sandbox does not model; kept at its default.
    Object,
    /// A list the sandbox does not model; kept at its default.
    Array,
    /// Embedded child objects (order lines, postings) of the resource named by `resource`.
    Lines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    Ids,
    Equals,
    Contains,
    Ref,
    /// A date range's start: the field's date is on or after the value (`dateFrom`).
    From,
    /// A date range's end: the field's date is before the value (`dateTo`, exclusive).
    Before,
}

impl Match {
    /// Whether the filter bounds a date range (the store cannot answer these; the engine can).
    pub fn is_range(self) -> bool {
        matches!(self, Self::From | Self::Before)
    }
}

/// Whether a stored date lies on the filter's side of `bound`; both are `YYYY-MM-DD`, so their
/// text order is their calendar order. An object without a date is in no range.
pub fn date_in_range(matching: Match, date: &str, bound: &str) -> bool {
    if date.is_empty() {
        return false;
    }
    match matching {
        Match::From => date >= bound,
        Match::Before => date < bound,
        _ => true,
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct FilterDef {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(rename = "match")]
    pub matching: Match,
    #[serde(default)]
    pub default: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberDef {
    pub field: String,
    pub start: i64,
    /// The field holds the number as text (project and order numbers).
    #[serde(default)]
    pub as_string: bool,
}

/// The ledger account a new object is booked against unless the body names one.
#[derive(Debug, Clone, Deserialize)]
pub struct DefaultAccount {
    /// The reference field that holds it (`ledgerAccount`).
    pub field: String,
    /// The account's number in the company's chart of accounts (1500 for customers).
    pub number: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    List,
    Get,
    Create,
    Update,
    Delete,
    /// `DELETE` on the collection with a list of `{id}` (projects).
    #[serde(rename = "deleteList")]
    DeleteList,
    /// `DELETE /{path}/list?ids=1,2` (contacts).
    #[serde(rename = "deleteIds")]
    DeleteIds,
    /// `POST /{path}/list` with a list of new objects: all are made, or none.
    #[serde(rename = "createList")]
    CreateList,
    /// `PUT /{path}/list` with a list of objects with ids and versions: all change, or none.
    #[serde(rename = "updateList")]
    UpdateList,
    /// `GET /{path}` of a settings object: one per company, made with its defaults.
    Settings,
    /// `PUT /{path}` of a settings object.
    #[serde(rename = "updateSettings")]
    UpdateSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Each company has its own objects.
    Company,
    /// Reference data shared by every company (countries, currencies, VAT types).
    Global,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDef {
    /// The URL path below `/v2`, e.g. `ledger/account`.
    pub path: String,
    /// The official schema's model name.
    pub model: String,
    /// The entitlement every operation needs; none for open reference data.
    pub entitlement: Option<crate::domain::entitlements::Entitlement>,
    pub scope: Scope,
    pub methods: Vec<Operation>,
    /// The fields a write must fill, with what the real API says when one is missing.
    pub required: Vec<Required>,
    pub filters: BTreeMap<String, FilterDef>,
    pub fields: BTreeMap<String, FieldDef>,
    /// Every field with its default, in the order the API renders them.
    pub template: Map<String, Value>,
    #[serde(default)]
    pub number: Option<NumberDef>,
    /// `{field}` placeholders, e.g. `{name} ({customerNumber})`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Lives only inside its parent (order lines, postings): no routes of its own.
    #[serde(default)]
    pub embedded: bool,
    /// The query arguments the official document marks required, per operation.
    #[serde(default)]
    pub required_query: BTreeMap<Operation, Vec<String>>,
    #[serde(default)]
    pub default_account: Option<DefaultAccount>,
    /// Embedded objects Tripletex makes with every new object (a customer's postal and
    /// physical address): each gets an id of its own, shown as a `{id, url}` stub.
    #[serde(default)]
    pub new_stubs: Vec<String>,
    /// The answer to a create shows the embedded lines whole (a voucher's postings), where
    /// reads show them as `{id, url}`.
    #[serde(default)]
    pub create_shows_lines: bool,
    /// Whether the model has `id`, `version` and `url` (a settings object or report context of
    /// the document may not: the sandbox still stores it by an id, and does not show it).
    #[serde(default = "shows_identity")]
    pub identity: bool,
    /// The rules checked before an object of this resource is saved, beyond its shape.
    #[serde(default)]
    pub write_rules: Vec<WriteRule>,
    /// Fields whose value no other object of the company may hold (a department's number).
    #[serde(default)]
    pub unique: Vec<UniqueField>,
    /// Kept by hand (`fixtures/resources.json`) with rules of its own, not generated.
    #[serde(skip)]
    pub hand_kept: bool,
    /// The kind the code knows this resource as, when it has behaviour of its own; the path is
    /// read into it once, as the catalogue loads.
    #[serde(skip)]
    pub kind: Option<Kind>,
}

/// A rule a resource checks before an object is saved, named in the hand-kept overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WriteRule {
    /// The postings of a voucher balance ([`postings_balance`]), name accounts, are numbered
    /// from row 1, and are booked with their VAT (`domain::ledger::booked_postings`).
    BalancedPostings,
    /// A project's manager is allowed to manage projects
    /// (`employee::project_manager_is_allowed`).
    ProjectManager,
    /// A product's price including VAT follows its price excluding VAT and its VAT type's
    /// percentage (`product::prices_with_vat`).
    PricesFollowVat,
    /// A subscription names an event type and a target the sandbox may deliver to
    /// (`events::subscription_event_is_known`, `events::subscription_target_is_allowed`).
    EventSubscription,
}

impl WriteRule {
    /// A value this rule accepts for a text field, for bodies made up from the resource table (the
    /// conformance walk, the engine's tests), where any text would do for another resource.
    pub fn sample(self, field: &str) -> Option<&'static str> {
        match (self, field) {
            (Self::EventSubscription, "event") => Some("customer.create"),
            (Self::EventSubscription, "targetUrl") => Some("http://127.0.0.1:9/sandbox-sample"),
            (Self::EventSubscription, "authHeaderName") => Some("X-Sandbox-Sample"),
            _ => None,
        }
    }
}

fn shows_identity() -> bool {
    true
}

/// A field whose value is the company's only one of its kind, and the real API's refusal of a
/// value in use (`{value}` stands for the value).
#[derive(Debug, Clone, Deserialize)]
pub struct UniqueField {
    pub field: String,
    pub says: String,
}

/// A value of a unique field that another object holds already is refused.
pub fn value_is_free(unique: &UniqueField, value: &str, in_use: bool) -> Result<(), Denial> {
    if !in_use {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::ValueIsFree,
        format!("Another object of the company has {} {value} already.", unique.field),
    )
    .remedy(format!(
        "choose a {} no other object has, or update the one that has it.",
        unique.field
    ))
    .field(&unique.field, &unique.says.replace("{value}", value)))
}

/// A field a write must fill, and what the real API says when it is missing. Written in
/// `fixtures/resources.json` as the field's name alone (the real API's «Kan ikke være null.» on
/// that name) or as an object with the parts below.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RequiredText")]
pub struct Required {
    pub field: String,
    /// Other fields any one of which fills the requirement as well (a contact's names, e-mail).
    pub or: Vec<String>,
    /// The validation messages a missing field gives, each naming a field and saying something.
    pub says: Vec<(String, String)>,
    /// The real API validates in rounds: a requirement of round 2 is reported only once every
    /// requirement of round 1 is met.
    pub stage: u8,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RequiredText {
    Name(String),
    #[serde(rename_all = "camelCase")]
    Full {
        field: String,
        #[serde(default)]
        or: Vec<String>,
        #[serde(default)]
        says: Vec<(String, String)>,
        #[serde(default)]
        stage: Option<u8>,
    },
}

impl From<RequiredText> for Required {
    fn from(text: RequiredText) -> Self {
        let (field, or, says, stage) = match text {
            RequiredText::Name(field) => (field, Vec::new(), Vec::new(), None),
            RequiredText::Full { field, or, says, stage } => (field, or, says, stage),
        };
        let says = match says.is_empty() {
            true => vec![(field.clone(), NOT_NULL.to_owned())],
            false => says,
        };
        Self {
            field,
            or,
            says,
            stage: stage.unwrap_or(1),
        }
    }
}

/// What the hand-kept overlay adds to a resource generated from the document: the required
/// fields, write rules and filters the document does not carry (a filter's name is its query
/// parameter's, which the document does name).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Amendment {
    path: String,
    #[serde(default)]
    required: Vec<Required>,
    #[serde(default)]
    write_rules: Vec<WriteRule>,
    #[serde(default)]
    filters: BTreeMap<String, FilterDef>,
}

#[derive(Debug, Deserialize)]
struct Catalogue {
    resources: Vec<ResourceDef>,
    #[serde(default)]
    amend: Vec<Amendment>,
}

/// Applies the overlay's amendments to the generated resources they name.
fn amend(all: &mut [ResourceDef], amendments: Vec<Amendment>) -> Result<(), String> {
    for amendment in amendments {
        let def = all
            .iter_mut()
            .find(|d| !d.hand_kept && d.path == amendment.path)
            .ok_or_else(|| {
                format!(
                    "fixtures/resources.json amends {}, which the table does not generate",
                    amendment.path
                )
            })?;
        def.required = amendment.required;
        def.write_rules = amendment.write_rules;
        def.filters.extend(amendment.filters);
    }
    Ok(())
}

/// The table generated from the official document (`tools/generate-table.py`), built into the
/// binary: its resources join the catalogue here, its operations make `domain::table`.
pub const TABLE_TEXT: &str = include_str!("../../fixtures/table.json");

static CATALOGUE: OnceLock<Result<Vec<ResourceDef>, String>> = OnceLock::new();

/// The resource definitions, parsed once: the hand-kept ones (`fixtures/resources.json`) first,
/// then those generated from the official document (`fixtures/table.json`). Startup calls this
/// first, so a broken file stops the emulator before it serves anything.
pub fn catalogue() -> Result<&'static [ResourceDef], String> {
    CATALOGUE
        .get_or_init(|| {
            let overlay = serde_json::from_str::<Catalogue>(include_str!("../../fixtures/resources.json"))
                .map_err(|e| format!("fixtures/resources.json is not valid: {e}"))?;
            let mut all = overlay.resources;
            for def in &mut all {
                def.hand_kept = true;
            }
            let generated = serde_json::from_str::<Catalogue>(TABLE_TEXT)
                .map_err(|e| format!("fixtures/table.json is not valid: {e}"))?;
            all.extend(generated.resources);
            amend(&mut all, overlay.amend)?;
            for def in &mut all {
                def.kind = Kind::from_path(&def.path);
            }
            every_kind_listed(&all)?;
            Ok(all)
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// Every kind the catalogue serves has its resource there, with the model the kind names, so a
/// kind the code relies on cannot go missing from the files unnoticed.
fn every_kind_listed(all: &[ResourceDef]) -> Result<(), String> {
    for &kind in Kind::ALL.iter().filter(|k| k.home() == Home::Catalogue) {
        match all.iter().find(|d| d.kind == Some(kind)) {
            Some(def) if def.model == kind.model() => {}
            Some(def) => {
                return Err(format!(
                    "the resource {kind} is the model {}, where the code expects {}",
                    def.model,
                    kind.model()
                ));
            }
            None => return Err(format!("the code serves the resource {kind}, which no fixture defines")),
        }
    }
    Ok(())
}

impl ResourceDef {
    pub fn allows(&self, operation: Operation) -> bool {
        self.methods.contains(&operation)
    }

    /// The required query arguments of `operation` that were not sent (`sent` tells whether an
    /// argument came with a value), in the document's order.
    pub fn missing_query(&self, operation: Operation, sent: impl Fn(&str) -> bool) -> Vec<&str> {
        self.required_query
            .get(&operation)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|name| !sent(name))
            .collect()
    }

    /// The display name from its pattern and the object's fields.
    pub fn display_name(&self, body: &Map<String, Value>) -> Option<String> {
        let pattern = self.display_name.as_ref()?;
        let mut out = String::with_capacity(pattern.len() + 16);
        let mut rest = pattern.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else { break };
            let name = &rest[start + 1..start + end];
            match body.get(name) {
                Some(Value::String(s)) => out.push_str(s),
                Some(Value::Number(n)) => out.push_str(&n.to_string()),
                _ => {}
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Some(out.trim().to_owned())
    }
}

/// A reference a body makes to another object, to be checked against the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub field: String,
    pub resource: String,
    pub id: i64,
}

const UNKNOWN_FIELD: &str = "Feltet eksisterer ikke i objektet.";
const WRONG_TYPE: &str = "Verdien er ikke av korrekt type for dette feltet.";
const NOT_NULL: &str = "Kan ikke være null.";

fn invalid(rule: Rule) -> Denial {
    Denial::new(
        DenialKind::Invalid,
        rule,
        "The request body has fields the API does not accept.",
    )
    .remedy("fix the fields named in validationMessages; GET the object to see the fields the API knows.")
}

/// Checks a written body and merges it onto `base` (the template for a create, the stored object
/// for an update). Unknown fields and wrong types are refused; read-only fields are ignored, as
/// the real API does. Returns the merged body and the references to check.
pub fn merge_body(
    def: &ResourceDef,
    base: &Map<String, Value>,
    body: &Value,
) -> Result<(Map<String, Value>, Vec<Reference>), Denial> {
    let Value::Object(incoming) = body else {
        return Err(invalid(Rule::BodyIsAnObject).field("", "Forventet et JSON-objekt."));
    };
    let mut merged = base.clone();
    let mut merge = Merge::default();
    for (name, value) in incoming {
        if matches!(name.as_str(), "id" | "version" | "url" | "changes") {
            continue;
        }
        let Some(field) = def.fields.get(name) else {
            merge.complain(name, UNKNOWN_FIELD);
            continue;
        };
        if field.read_only {
            continue;
        }
        if let Some(value) = merge.accept(name, field, &coerced(field.kind, value), base.get(name)) {
            merged.insert(name.clone(), value);
        }
    }
    if let Some(denial) = merge.denial {
        return Err(denial);
    }
    Ok((merged, merge.references))
}

/// What a merge has found so far: the references the body names, and the fields it refuses.
#[derive(Default)]
struct Merge {
    references: Vec<Reference>,
    denial: Option<Denial>,
}

impl Merge {
    fn complain(&mut self, field: &str, message: &str) {
        let d = self
            .denial
            .take()
            .unwrap_or_else(|| invalid(Rule::BodyFieldsAreKnownAndTyped));
        self.denial = Some(d.field(field, message));
    }

    /// The value a written field is stored as (merged onto `stored`, what the field holds now,
    /// where it is an embedded object), or None (with a complaint where it is refused).
    fn accept(&mut self, name: &str, field: &FieldDef, value: &Value, stored: Option<&Value>) -> Option<Value> {
        match (field.kind, value) {
            (_, Value::Null) => Some(Value::Null),
            (FieldKind::String, Value::String(s)) => self.accept_text(name, field, s, value),
            (FieldKind::Lines, Value::Array(items)) => Some(self.accept_lines(name, field, items)),
            (FieldKind::Integer, Value::Number(n)) if n.as_i64().is_some_and(|v| field.holds(v)) => Some(value.clone()),
            (FieldKind::Integer, Value::Number(n)) if n.is_i64() => {
                let message = format!(
                    "Verdien må være mellom {} og {}.",
                    field.minimum.unwrap_or(i64::MIN),
                    field.maximum.unwrap_or(i64::MAX)
                );
                self.complain(name, &message);
                None
            }
            (FieldKind::Number, Value::Number(_)) => Some(value.clone()),
            (FieldKind::Boolean, Value::Bool(_)) => Some(value.clone()),
            (FieldKind::Ref, Value::Object(object)) => match object.get("id").and_then(Value::as_i64) {
                Some(id) => {
                    self.references.push(Reference {
                        field: name.to_owned(),
                        resource: field.resource.clone().unwrap_or_default(),
                        id,
                    });
                    Some(serde_json::json!({ "id": id }))
                }
                None => {
                    self.complain(&format!("{name}.id"), "Kan ikke opprette subelement");
                    None
                }
            },
            // An embedded object the sandbox does not model is kept as written; one it does (a
            // customer's addresses) is checked and merged onto what is stored, keeping its id.
            (FieldKind::Object, Value::Object(_)) => match field.resource.as_deref().and_then(find) {
                None => field.resource.is_none().then(|| value.clone()),
                Some(child) => match merge_embedded(child, stored, value) {
                    Ok((merged, child_refs)) => {
                        self.references.extend(child_refs.into_iter().map(|r| Reference {
                            field: format!("{name}.{}", r.field),
                            ..r
                        }));
                        Some(merged)
                    }
                    Err(d) => {
                        for f in d.fields {
                            self.complain(&format!("{name}.{}", f.field), &f.message);
                        }
                        None
                    }
                },
            },
            (FieldKind::Array, Value::Array(items)) => match field.resource.as_deref() {
                None => Some(value.clone()),
                Some(target) => {
                    let (kept, named, unnamed) = reference_list(name, target, items);
                    self.references.extend(named);
                    for field in unnamed {
                        self.complain(&field, "Kan ikke opprette subelement");
                    }
                    Some(Value::Array(kept))
                }
            },
            _ => {
                self.complain(name, WRONG_TYPE);
                None
            }
        }
    }

    /// A text field: one of its allowed values, and a date where it holds one.
    fn accept_text(&mut self, name: &str, field: &FieldDef, text: &str, value: &Value) -> Option<Value> {
        match &field.allowed {
            Some(allowed) if !allowed.iter().any(|a| a == text) => {
                self.complain(name, "Ugyldig verdi.");
                None
            }
            _ if field.format.as_deref() == Some("date")
                && !text.is_empty()
                && text.parse::<jiff::civil::Date>().is_err() =>
            {
                self.complain(name, "Ugyldig dato. Bruk formatet YYYY-MM-DD.");
                None
            }
            _ => Some(value.clone()),
        }
    }

    /// Lines written inline (an order's lines): each merged onto its resource's template, with
    /// its references and refusals named by its place in the list.
    fn accept_lines(&mut self, name: &str, field: &FieldDef, items: &[Value]) -> Value {
        let child = field.resource.as_deref().and_then(find);
        let mut lines = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Some(child) = child else { break };
            match merge_body(child, &child.template, item) {
                Ok((mut line, line_refs)) => {
                    if let Some(id) = item.get("id").and_then(Value::as_i64) {
                        line.insert("id".into(), Value::from(id));
                    }
                    self.references.extend(line_refs.into_iter().map(|r| Reference {
                        field: format!("{name}[{index}].{}", r.field),
                        ..r
                    }));
                    lines.push(Value::Object(line));
                }
                Err(d) => {
                    for f in d.fields {
                        self.complain(&format!("{name}[{index}].{}", f.field), &f.message);
                    }
                }
            }
        }
        Value::Array(lines)
    }
}

/// An embedded object of the `child` model (an address) written onto the one stored (`{"id": n}`
/// at least, or nothing yet): the model's defaults, what was stored, then what was sent.
fn merge_embedded(
    child: &ResourceDef,
    stored: Option<&Value>,
    sent: &Value,
) -> Result<(Value, Vec<Reference>), Denial> {
    let mut start = child.template.clone();
    if let Some(Value::Object(stored)) = stored {
        start.extend(stored.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let (merged, references) = merge_body(child, &start, sent)?;
    Ok((Value::Object(merged), references))
}

/// A scalar as the real API reads it into a field of `kind`: a number or a boolean sent for a
/// text is its text (`"number": 1043` on a product), a text that is a number sent for a number
/// is that number (`"priceExcludingVatCurrency": "5500"`), `"true"`/`"false"` for a boolean.
/// Anything else is left for the type check to refuse.
fn coerced(kind: FieldKind, value: &Value) -> Value {
    match (kind, value) {
        (FieldKind::String, Value::Number(n)) => Value::String(n.to_string()),
        (FieldKind::String, Value::Bool(b)) => Value::String(b.to_string()),
        (FieldKind::Integer, Value::String(s)) => s.trim().parse::<i64>().map_or_else(|_| value.clone(), Value::from),
        (FieldKind::Number, Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Value::from(n),
            _ => value.clone(),
        },
        (FieldKind::Boolean, Value::String(s)) => match s.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => value.clone(),
        },
        _ => value.clone(),
    }
}

/// A list of references as written (`[{"id": 1}, …]`): the ids kept, the references to check,
/// and the fields of the elements that name no id.
fn reference_list(name: &str, target: &str, items: &[Value]) -> (Vec<Value>, Vec<Reference>, Vec<String>) {
    let (mut kept, mut references, mut unnamed) = (Vec::new(), Vec::new(), Vec::new());
    for (index, item) in items.iter().enumerate() {
        match item.get("id").and_then(Value::as_i64) {
            Some(id) => {
                references.push(Reference {
                    field: format!("{name}[{index}]"),
                    resource: target.to_owned(),
                    id,
                });
                kept.push(serde_json::json!({ "id": id }));
            }
            None => unnamed.push(format!("{name}[{index}].id")),
        }
    }
    (kept, references, unnamed)
}

/// Whether a value leaves a required field empty: absent, null, blank text, a reference without
/// an id. (An empty list is a list: the resource's own rules judge it.)
fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Object(o)) => o.get("id").is_none_or(Value::is_null),
        _ => false,
    }
}

/// Every required field has a value (one of `or` will do). As the real API does, only the first
/// round (`stage`) with a missing field is reported; a create passes the body as sent, so a
/// template's default fills nothing, an update the object as it will be saved.
pub fn required_fields_are_present(def: &ResourceDef, body: &Map<String, Value>) -> Result<(), Denial> {
    let missing = |r: &Required| std::iter::once(&r.field).chain(&r.or).all(|f| is_blank(body.get(f)));
    let Some(stage) = def.required.iter().filter(|r| missing(r)).map(|r| r.stage).min() else {
        return Ok(());
    };
    let unmet: Vec<&Required> = def.required.iter().filter(|r| r.stage == stage && missing(r)).collect();
    let names: Vec<&str> = unmet.iter().map(|r| r.field.as_str()).collect();
    let mut denial = Denial::new(
        DenialKind::Invalid,
        Rule::RequiredFieldsArePresent,
        format!("{} needs {}.", def.model, names.join(", ")),
    )
    .remedy("send the fields named in validationMessages.");
    for (field, message) in unmet.iter().flat_map(|r| &r.says) {
        denial = denial.field(field, message);
    }
    Err(denial)
}

/// A PUT that names a version must name the current one (optimistic locking).
pub fn version_is_current(sent: Option<i64>, current: i64) -> Result<(), Denial> {
    match sent {
        Some(version) if version != current => Err(Denial::new(
            DenialKind::Conflict,
            Rule::VersionIsCurrent,
            format!("The object is at version {current}, the request sent version {version}: someone changed it since you read it."),
        )
        .remedy("GET the object again and send its current version, or leave version out to skip the check.")),
        _ => Ok(()),
    }
}

/// The operation needs an entitlement the key's effective access lacks.
pub fn access_allows(def: &ResourceDef, access: crate::domain::entitlements::AccessSet) -> Result<(), Denial> {
    match def.entitlement {
        Some(needed) => crate::domain::entitlements::access_allows(access, needed, &format!("/{}", def.path)),
        None => Ok(()),
    }
}

/// An object is seen only by the company that owns it (or by all, for shared data with owner 0):
/// another company's object answers as one that does not exist.
pub fn visible_in(def: &ResourceDef, owner: Option<i64>, company: i64, id: i64) -> Result<(), Denial> {
    if owner == Some(company) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::NotFound,
        Rule::VisibleIn,
        format!("No {} with id {id} in the company you act in.", def.model),
    )
    .remedy(format!(
        "objects of other companies are not visible; list them with GET /v2/{}.",
        def.path
    )))
}

/// Every reference in a body names an object the acting company can see; `missing` are those
/// that do not.
pub fn references_exist(missing: &[&Reference]) -> Result<(), Denial> {
    if missing.is_empty() {
        return Ok(());
    }
    let mut denial = Denial::new(
        DenialKind::Invalid,
        Rule::ReferencesExist,
        "A reference names an object that does not exist in the company you act in.",
    )
    .remedy("use ids from the matching GET list of the company you act in.");
    for reference in missing {
        denial = denial.field(
            &format!("{}.id", reference.field),
            &format!("Objektet med id {} finnes ikke.", reference.id),
        );
    }
    Err(denial)
}

/// The body of a new object: defaults, the given fields, its number (one above `highest`, the
/// company's highest so far, unless the body names one) and display name.
pub fn new_object_body(
    def: &ResourceDef,
    mut body: Map<String, Value>,
    highest: Option<i64>,
) -> Result<Map<String, Value>, Denial> {
    if let Some(number) = &def.number {
        let unset = match body.get(&number.field) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(v) => v.as_i64().unwrap_or(0) == 0,
        };
        if unset && let Some(next) = numbers_are_left(def, highest)? {
            let value = if number.as_string {
                Value::from(next.to_string())
            } else {
                Value::from(next)
            };
            body.insert(number.field.clone(), value);
        }
    }
    refresh_display_name(def, &mut body);
    Ok(body)
}

/// The default account a new object still needs: the resource has one and the body names none.
pub fn default_account_wanted<'d>(def: &'d ResourceDef, body: &Map<String, Value>) -> Option<&'d DefaultAccount> {
    let account = def.default_account.as_ref()?;
    let named = body
        .get(&account.field)
        .and_then(|v| v.get("id"))
        .is_some_and(|id| !id.is_null());
    (!named).then_some(account)
}

/// Gives each of the resource's [`ResourceDef::new_stubs`] the body leaves empty an id from
/// `next_id`.
pub fn add_new_stubs(def: &ResourceDef, body: &mut Map<String, Value>, mut next_id: impl FnMut() -> i64) {
    for name in &def.new_stubs {
        match body.get_mut(name) {
            // Written with the object (an address sent in the create): it keeps what was sent.
            Some(Value::Object(written)) if written.get("id").is_none_or(Value::is_null) => {
                written.insert("id".into(), Value::from(next_id()));
            }
            Some(Value::Object(_)) => {}
            _ => {
                body.insert(name.clone(), serde_json::json!({ "id": next_id() }));
            }
        }
    }
}

/// Points each embedded line at the object it lives in (a posting's `voucher`, an order line's
/// `order`), where the line's resource has a reference back.
pub fn link_lines_to_parent(def: &ResourceDef, body: &mut Map<String, Value>, parent_id: i64) {
    for (name, field) in &def.fields {
        let Some(child) = field
            .resource
            .as_deref()
            .filter(|_| field.kind == FieldKind::Lines)
            .and_then(find)
        else {
            continue;
        };
        let Some(back) = child
            .fields
            .iter()
            .find(|(_, f)| f.kind == FieldKind::Ref && f.resource.as_deref() == Some(def.path.as_str()))
            .map(|(n, _)| n.clone())
        else {
            continue;
        };
        if let Some(Value::Array(lines)) = body.get_mut(name) {
            for line in lines.iter_mut().filter_map(Value::as_object_mut) {
                line.insert(back.clone(), serde_json::json!({ "id": parent_id }));
            }
        }
    }
}

/// Recomputes the display name after a change of the fields it is made of.
pub fn refresh_display_name(def: &ResourceDef, body: &mut Map<String, Value>) {
    if let Some(name) = def.display_name(body) {
        body.insert("displayName".to_owned(), Value::String(name));
    }
}

/// The number a new object gets when it names none: one above the company's highest, refused
/// when that is past what the number field can hold.
pub fn numbers_are_left(def: &ResourceDef, highest: Option<i64>) -> Result<Option<i64>, Denial> {
    let Some(number) = &def.number else { return Ok(None) };
    let Some(highest) = highest else {
        return Ok(Some(number.start));
    };
    let largest = def
        .fields
        .get(&number.field)
        .and_then(|f| f.maximum)
        .unwrap_or(i64::MAX);
    match highest.checked_add(1).filter(|next| *next <= largest) {
        Some(next) => Ok(Some(next.max(number.start))),
        None => Err(Denial::new(
            DenialKind::Invalid,
            Rule::NumbersAreLeft,
            format!(
                "The {} {highest} is the highest a {} can have, so there is no next one to give.",
                number.field, def.model
            ),
        )
        .field(&number.field, "Nummeret er allerede i bruk.")
        .remedy(format!(
            "send {} yourself with a number that is free, or change the object that holds {highest}.",
            number.field
        ))),
    }
}

/// A voucher's postings must be sent, be there, and add up to zero.
pub fn postings_balance(body: &Map<String, Value>, sent: bool) -> Result<(), Denial> {
    if !sent {
        return Err(
            Denial::new(DenialKind::Invalid, Rule::PostingsBalance, "A voucher needs postings.")
                .remedy("send postings: at least two rows whose amountGross add up to 0.")
                .field("postings", "Kan ikke være null."),
        );
    }
    let postings = body
        .get("postings")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if postings.is_empty() {
        return Err(
            Denial::new(DenialKind::Invalid, Rule::PostingsBalance, "A voucher needs postings.")
                .remedy("send postings: at least two rows whose amountGross add up to 0.")
                .field("postings", "Et bilag kan ikke registreres uten posteringer."),
        );
    }
    // The VAT rows the ledger generated are not the client's: they balance with their source.
    let sum: f64 = postings
        .iter()
        .filter(|p| p.get("systemGenerated").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| p.get("amountGross").and_then(Value::as_f64))
        .sum();
    if sum.abs() < 0.005 {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::PostingsBalance,
        format!("The postings add up to {sum:.2}, not 0: debit and credit must balance."),
    )
    .remedy("make the amountGross of the postings sum to 0 (positive = debit, negative = credit).")
    .field("postings", "Bilaget er ikke i balanse."))
}

/// The resource of a kind the catalogue serves (none for the access model's kinds).
pub fn of(kind: Kind) -> Option<&'static ResourceDef> {
    static BY_KIND: OnceLock<std::collections::HashMap<Kind, &'static ResourceDef>> = OnceLock::new();
    let index = BY_KIND.get_or_init(|| {
        catalogue()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| Some((d.kind?, d)))
            .collect()
    });
    index.get(&kind).copied()
}

/// The resource at a path below `/v2`: where a path comes in (a route, a file, a reference).
pub fn find(path: &str) -> Option<&'static ResourceDef> {
    static BY_PATH: OnceLock<std::collections::HashMap<&'static str, &'static ResourceDef>> = OnceLock::new();
    let index = BY_PATH.get_or_init(|| {
        catalogue()
            .unwrap_or_default()
            .iter()
            .map(|d| (d.path.as_str(), d))
            .collect()
    });
    index.get(path).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_free() {
        let unique = UniqueField {
            field: "number".into(),
            says: "Produktnummeret {value} er i bruk.".into(),
        };
        assert!(super::value_is_free(&unique, "4823", false).is_ok());
        let taken = super::value_is_free(&unique, "4823", true).unwrap_err();
        assert_eq!(
            (taken.fields[0].field.as_str(), taken.fields[0].message.as_str()),
            ("number", "Produktnummeret 4823 er i bruk.")
        );
    }
    use serde_json::json;

    #[test]
    fn visible_in_shows_an_object_only_to_the_company_that_owns_it() {
        let customer = find("customer").unwrap();
        assert!(visible_in(customer, Some(1001), 1001, 5).is_ok());
        for owner in [Some(1002), None] {
            let denial = visible_in(customer, owner, 1001, 5).unwrap_err();
            assert_eq!(denial.kind, DenialKind::NotFound);
            assert!(denial.reason.contains("No Customer with id 5"), "{}", denial.reason);
            assert!(denial.remedy.unwrap().contains("GET /v2/customer"));
        }
    }

    #[test]
    fn every_resource_path_is_defined_once() {
        let mut paths: Vec<&str> = catalogue().unwrap().iter().map(|d| d.path.as_str()).collect();
        let all = paths.len();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), all, "a generated resource would shadow a hand-kept one");
        assert!(find("customer").is_some_and(|d| d.hand_kept));
        assert!(find("travelExpense").is_some_and(|d| !d.hand_kept));
    }

    fn customer() -> &'static ResourceDef {
        catalogue().unwrap().iter().find(|d| d.path == "customer").unwrap()
    }

    #[test]
    fn the_catalogue_parses_and_every_template_covers_its_fields() {
        for def in catalogue().unwrap() {
            for name in def.fields.keys() {
                assert!(def.template.contains_key(name), "{}.{name} has a default", def.path);
            }
            for required in &def.required {
                for name in std::iter::once(&required.field).chain(&required.or) {
                    assert!(def.fields.contains_key(name), "{}.{name} is a field", def.path);
                }
            }
        }
    }

    #[test]
    fn numbers_are_left_until_the_number_field_is_full() {
        let def = customer();
        assert_eq!(numbers_are_left(def, None).unwrap(), Some(10001));
        assert_eq!(numbers_are_left(def, Some(10041)).unwrap(), Some(10042));
        let full = numbers_are_left(def, Some(i64::from(i32::MAX))).unwrap_err();
        assert_eq!((full.kind, full.rule), (DenialKind::Invalid, "numbers_are_left"));
        assert!(full.remedy.unwrap().contains("customerNumber"));
        assert!(numbers_are_left(def, Some(i64::MAX)).is_err(), "no overflow");
    }

    #[test]
    fn new_object_body_needs_no_next_number_when_the_body_names_one() {
        let def = customer();
        let unnamed = json!({"name": "x"}).as_object().cloned().unwrap();
        assert_eq!(
            new_object_body(def, unnamed.clone(), Some(10001)).unwrap()["customerNumber"],
            10002
        );
        assert!(new_object_body(def, unnamed, Some(i64::MAX)).is_err());
        let named = json!({"name": "x", "customerNumber": 5}).as_object().cloned().unwrap();
        assert!(new_object_body(def, named, Some(i64::MAX)).is_ok());
    }

    #[test]
    fn an_integer_outside_the_documents_bounds_is_refused() {
        let def = customer();
        let field = &def.fields["customerNumber"];
        assert!(field.holds(0) && field.holds(i64::from(i32::MAX)));
        assert!(!field.holds(-1) && !field.holds(i64::from(i32::MAX) + 1));
        assert!(def.fields["invoicesDueIn"].holds(10_000) && !def.fields["invoicesDueIn"].holds(10_001));
        let denial = merge_body(
            def,
            &def.template,
            &json!({"name": "x", "customerNumber": i64::MAX, "invoicesDueIn": 14}),
        )
        .unwrap_err();
        assert_eq!(denial.fields.len(), 1);
        assert_eq!(denial.fields[0].field, "customerNumber");
        assert!(
            denial.fields[0].message.contains("2147483647"),
            "{}",
            denial.fields[0].message
        );
    }

    #[test]
    fn postings_balance_needs_postings_that_add_up_to_zero() {
        let body = |postings: Value| json!({ "postings": postings }).as_object().cloned().unwrap();
        assert_eq!(
            postings_balance(&body(json!([])), false).unwrap_err().rule,
            "postings_balance"
        );
        assert!(postings_balance(&body(json!([])), true).is_err());
        let unbalanced = body(json!([{"amountGross": 100.0}, {"amountGross": -99.0}]));
        assert_eq!(
            postings_balance(&unbalanced, true).unwrap_err().kind,
            DenialKind::Invalid
        );
        let balanced = body(json!([{"amountGross": 100.0}, {"amountGross": -100.0}]));
        assert!(postings_balance(&balanced, true).is_ok());
    }

    #[test]
    fn merge_body_checks_that_fields_are_known_and_typed() {
        let def = customer();
        assert!(def.fields["isCustomer"].read_only);
        let body = json!({"name": "A", "currency": {"id": 1}, "isCustomer": false});
        let (merged, refs) = merge_body(def, &def.template, &body).unwrap();
        assert_eq!(merged["name"], "A");
        assert_eq!(merged["isCustomer"], true, "read-only fields are ignored");
        assert_eq!(
            refs,
            [Reference {
                field: "currency".into(),
                resource: "currency".into(),
                id: 1
            }]
        );
        let denial = merge_body(def, &def.template, &json!({"name": {"first": "A"}, "nope": true})).unwrap_err();
        let fields: Vec<_> = denial
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect();
        assert!(fields.contains(&("nope", UNKNOWN_FIELD)));
        assert!(fields.contains(&("name", WRONG_TYPE)));
        assert!(merge_body(def, &def.template, &json!([1])).is_err());
    }

    #[test]
    fn scalars_are_read_as_the_real_api_reads_them() {
        assert_eq!(coerced(FieldKind::String, &json!(1043)), json!("1043"));
        assert_eq!(coerced(FieldKind::Number, &json!("5500")), json!(5500.0));
        assert_eq!(coerced(FieldKind::Integer, &json!(" 501 ")), json!(501));
        assert_eq!(coerced(FieldKind::Boolean, &json!("true")), json!(true));
        assert_eq!(
            coerced(FieldKind::Number, &json!("fem")),
            json!("fem"),
            "left for the type check"
        );
        assert_eq!(coerced(FieldKind::Integer, &json!("5.5")), json!("5.5"));
        assert_eq!(coerced(FieldKind::String, &json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn required_fields_are_present_names_each_missing_field() {
        let def = customer();
        let denial = required_fields_are_present(def, &def.template).unwrap_err();
        assert_eq!(denial.fields[0].field, "name");
        assert_eq!(denial.fields[0].message, NOT_NULL);
    }

    #[test]
    fn required_fields_are_present_reports_only_the_first_round_that_fails() {
        let division = find("division").unwrap();
        let nothing = required_fields_are_present(division, &Map::new()).unwrap_err();
        let said: Vec<(&str, &str)> = nothing
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(said, [("name", "Feltet kan ikke være tomt.")]);
        let named = json!({"name": "x"}).as_object().cloned().unwrap();
        let second = required_fields_are_present(division, &named).unwrap_err();
        assert_eq!(second.fields.len(), 4, "{second:?}");
    }

    #[test]
    fn required_fields_are_present_takes_any_one_of_the_alternatives() {
        let contact = find("contact").unwrap();
        assert_eq!(
            required_fields_are_present(contact, &Map::new())
                .unwrap_err()
                .fields
                .len(),
            3
        );
        let email = json!({"email": "a@b.example"}).as_object().cloned().unwrap();
        assert!(required_fields_are_present(contact, &email).is_ok());
    }

    #[test]
    fn version_is_current_refuses_a_stale_version() {
        assert!(version_is_current(None, 3).is_ok());
        assert!(version_is_current(Some(3), 3).is_ok());
        assert_eq!(version_is_current(Some(2), 3).unwrap_err().kind, DenialKind::Conflict);
    }

    #[test]
    fn references_exist_names_each_missing_reference() {
        assert!(references_exist(&[]).is_ok());
        let reference = Reference {
            field: "customer".into(),
            resource: "customer".into(),
            id: 5,
        };
        let denial = references_exist(&[&reference]).unwrap_err();
        assert_eq!((denial.kind, denial.rule), (DenialKind::Invalid, "references_exist"));
        assert_eq!(denial.fields[0].field, "customer.id");
    }

    #[test]
    fn access_allows_only_with_the_resources_entitlement() {
        let def = customer();
        let none = crate::domain::entitlements::AccessSet::NONE;
        assert_eq!(access_allows(def, none).unwrap_err().kind, DenialKind::Forbidden);
        let customer = crate::domain::entitlements::expand(["AUTH_CUSTOMER"]);
        assert!(access_allows(def, customer).is_ok());
    }

    #[test]
    fn missing_query_names_each_required_argument_not_sent() {
        let invoice = find("invoice").unwrap();
        assert_eq!(
            invoice.missing_query(Operation::List, |_| false),
            ["invoiceDateFrom", "invoiceDateTo"]
        );
        assert_eq!(
            invoice.missing_query(Operation::List, |n| n == "invoiceDateFrom"),
            ["invoiceDateTo"]
        );
        assert!(invoice.missing_query(Operation::Get, |_| false).is_empty());
        assert!(customer().missing_query(Operation::List, |_| false).is_empty());
    }

    #[test]
    fn a_date_range_includes_its_start_and_excludes_its_end() {
        assert!(date_in_range(Match::From, "2026-01-01", "2026-01-01"));
        assert!(!date_in_range(Match::From, "2025-12-31", "2026-01-01"));
        assert!(date_in_range(Match::Before, "2026-01-31", "2026-02-01"));
        assert!(!date_in_range(Match::Before, "2026-02-01", "2026-02-01"));
        assert!(!date_in_range(Match::Before, "", "2026-02-01"), "no date, no range");
    }

    #[test]
    fn a_new_customer_gets_its_default_account_unless_it_names_one() {
        let def = customer();
        assert_eq!(default_account_wanted(def, &def.template).map(|a| a.number), Some(1500));
        let named = json!({"ledgerAccount": {"id": 7}}).as_object().cloned().unwrap();
        assert!(default_account_wanted(def, &named).is_none());
        assert!(default_account_wanted(find("product").unwrap(), &def.template).is_none());
    }

    #[test]
    fn a_new_customer_gets_its_two_addresses_as_stubs() {
        let def = customer();
        assert_eq!(def.new_stubs, ["postalAddress", "physicalAddress"]);
        assert!(def.fields["postalAddress"].renders_as_stub());
        assert!(!def.fields["deliveryAddress"].renders_as_stub());
        let mut body = def.template.clone();
        let mut next = 40;
        add_new_stubs(def, &mut body, || {
            next += 1;
            next
        });
        assert_eq!(body["postalAddress"], json!({"id": 41}));
        assert_eq!(body["physicalAddress"], json!({"id": 42}));
        assert!(body["deliveryAddress"].is_null());
    }

    #[test]
    fn a_display_name_follows_its_pattern() {
        let mut body = customer().template.clone();
        body.insert("name".into(), json!("Kunde"));
        body.insert("customerNumber".into(), json!(10004));
        assert_eq!(customer().display_name(&body).as_deref(), Some("Kunde (10004)"));
    }
}
