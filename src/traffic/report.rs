//! What a replay of recorded runs showed: per call, the real and our status, the real fields we
//! lack and whether the real answer rested on earlier state; per operation (method and path
//! template) and overall, the agreement figures, as text or JSON.

use super::Call;
use super::ids::{self, IdMap};
use crate::replay::field_paths;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Paths of the reference data every company has from the start: an id listed there that we
/// cannot map is our seed's gap, not an object of an earlier run.
const REFERENCE_DATA: &[&str] = &[
    "/v2/ledger/account",
    "/v2/ledger/vatType",
    "/v2/ledger/voucherType",
    "/v2/ledger/paymentTypeOut",
    "/v2/ledger/accountingPeriod",
    "/v2/invoice/paymentType",
    "/v2/travelExpense/paymentType",
    "/v2/employee/employment/occupationCode",
    "/v2/salary/type",
    "/v2/currency",
    "/v2/country",
    "/v2/municipality",
    "/v2/product/unit",
    "/v2/company",
];

/// Words of a refusal that says the object exists already (Norwegian and English).
const ALREADY: &[&str] = &["already", "allerede", "i bruk", "in use", "eksisterer", "duplicate"];

/// What replaying one call showed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOutcome {
    pub run: String,
    /// The call's place in its run, from 0.
    pub index: usize,
    pub method: String,
    /// `GET /v2/customer/{id}`
    pub operation: String,
    pub path: String,
    /// What was sent here, ids mapped.
    pub sent: String,
    pub real_status: u16,
    pub our_status: u16,
    /// Whether every real field is in our answer; absent when the statuses differ or either
    /// answer did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields_agree: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// Why the real answer rests on state from before the run, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depends_on_earlier_state: Option<String>,
    /// Our error's code and message, or that we accepted, when the statuses differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl CallOutcome {
    pub(super) fn compare(
        call: &Call,
        sent: String,
        status: u16,
        ours: &Value,
        real: Option<&Value>,
        depends: Option<String>,
    ) -> Self {
        let compared = real.filter(|r| status == call.status && !r.is_null() && !ours.is_null());
        let missing: Vec<String> = compared
            .map(|r| field_paths(r).difference(&field_paths(ours)).cloned().collect())
            .unwrap_or_default();
        let note = (status != call.status).then(|| match status {
            0 => "the recorded path is not a valid URI, so nothing was sent".to_owned(),
            200..=399 => "ours accepted it".to_owned(),
            _ => format!(
                "ours: {} {}",
                ours["code"],
                ours["validationMessages"][0]["message"]
                    .as_str()
                    .or(ours["developerMessage"].as_str())
                    .unwrap_or_default()
            ),
        });
        Self {
            run: String::new(),
            index: 0,
            method: call.method.clone(),
            operation: operation(&call.method, &call.path),
            path: call.path.clone(),
            sent,
            real_status: call.status,
            our_status: status,
            fields_agree: compared.map(|_| missing.is_empty()),
            missing,
            depends_on_earlier_state: depends,
            note,
        }
    }

    pub(super) fn named(mut self, run: &str, index: usize) -> Self {
        run.clone_into(&mut self.run);
        self.index = index;
        self
    }

    pub fn status_agrees(&self) -> bool {
        self.real_status == self.our_status
    }
}

/// `GET /v2/customer/{id}`: the method and the path with its ids as `{id}`.
fn operation(method: &str, path: &str) -> String {
    let template: Vec<&str> = path
        .split('/')
        .map(|s| if s.parse::<i64>().is_ok() { "{id}" } else { s })
        .collect();
    format!("{} {}", method.to_uppercase(), template.join("/"))
}

/// Why a call's real answer rests on state from before its run, if it does: a refusal of a
/// duplicate, an id no answer of the run gave us a counterpart for, or a list longer than ours.
pub(super) fn dependence(
    call: &Call,
    real: Option<&Value>,
    status: u16,
    ours: &Value,
    unknown: &[i64],
    ids: &IdMap,
) -> Option<String> {
    let text = call.response.to_lowercase();
    if call.status >= 400 && ALREADY.iter().any(|w| text.contains(w)) {
        return Some("the real answer refuses a duplicate of an object made before the run".into());
    }
    if let Some(reason) = unknown.iter().find_map(|id| foreign(*id, ids)) {
        return Some(reason);
    }
    let real = real?;
    if call.method != "get" || status >= 300 || is_reference_data(&call.path) {
        return None;
    }
    let listed = |v: &Value| {
        v["fullResultSize"]
            .as_u64()
            .or(v["values"].as_array().map(|a| a.len() as u64))
    };
    let (theirs, mine) = (listed(real)?, listed(ours).unwrap_or(0));
    let empty = Vec::new();
    let missing = ids::unmatched(
        real["values"].as_array().unwrap_or(&empty),
        ours["values"].as_array().unwrap_or(&empty),
    );
    (theirs > mine || missing > 0).then(|| {
        format!(
            "the real company listed {theirs} ({missing} that ours lacks), ours {mine}: objects made before the run"
        )
    })
}

/// Why an unmapped real id is an object of an earlier run: no answer of the run named it, or
/// the call that named it rests on earlier state itself. An id a call named that does not (our
/// answer to it differed, or it listed reference data we lack) is our own disagreement.
fn foreign(id: i64, ids: &IdMap) -> Option<String> {
    match ids.seen_at(id) {
        None => Some(format!("names {id}, which no earlier answer of the run gave")),
        Some(seen) if seen.depends && !is_reference_data(&seen.path) => Some(format!(
            "names {id}, from call #{} ({}), which depends on earlier state",
            seen.index, seen.path
        )),
        Some(_) => None,
    }
}

fn is_reference_data(path: &str) -> bool {
    REFERENCE_DATA.iter().any(|p| path.starts_with(p))
}

/// Agreement over one operation or over every call.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub operation: String,
    pub calls: usize,
    pub status_agree: usize,
    /// Calls whose real answer rests on earlier state, and how many of the others agree.
    pub depends_on_earlier_state: usize,
    pub independent_status_agree: usize,
    /// Calls whose fields were compared (same status, both answers parsed), and how many agree.
    pub fields_compared: usize,
    pub fields_agree: usize,
}

impl Operation {
    fn add(&mut self, call: &CallOutcome) {
        self.calls += 1;
        let agrees = usize::from(call.status_agrees());
        self.status_agree += agrees;
        if call.depends_on_earlier_state.is_some() {
            self.depends_on_earlier_state += 1;
        } else {
            self.independent_status_agree += agrees;
        }
        if let Some(agree) = call.fields_agree {
            self.fields_compared += 1;
            self.fields_agree += usize::from(agree);
        }
    }

    pub fn independent(&self) -> usize {
        self.calls - self.depends_on_earlier_state
    }

    /// Status agreement on the calls that do not rest on earlier state, in percent.
    pub fn independent_agreement(&self) -> f64 {
        percent(self.independent_status_agree, self.independent())
    }

    fn json(&self) -> Value {
        json!({
            "operation": self.operation,
            "calls": self.calls,
            "statusAgreement": percent(self.status_agree, self.calls),
            "dependsOnEarlierState": self.depends_on_earlier_state,
            "independentStatusAgreement": self.independent_agreement(),
            "fieldsCompared": self.fields_compared,
            "fieldAgreement": percent(self.fields_agree, self.fields_compared),
        })
    }
}

/// Part of a whole in percent, one decimal; 100 for an empty whole (nothing disagreed).
fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// Every replayed call of every run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub runs: usize,
    /// Calls a proxy refused in the recording, or that signed in or out with redacted tokens:
    /// not replayed.
    pub skipped: usize,
    pub calls: Vec<CallOutcome>,
}

impl Report {
    /// The figures over every call.
    pub fn overall(&self) -> Operation {
        let mut all = Operation {
            operation: "all".into(),
            ..Operation::default()
        };
        self.calls.iter().for_each(|c| all.add(c));
        all
    }

    /// The figures per operation, the most called first.
    pub fn operations(&self) -> Vec<Operation> {
        let mut by: BTreeMap<&str, Operation> = BTreeMap::new();
        for call in &self.calls {
            by.entry(&call.operation)
                .or_insert_with(|| Operation {
                    operation: call.operation.clone(),
                    ..Operation::default()
                })
                .add(call);
        }
        let mut out: Vec<Operation> = by.into_values().collect();
        out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.operation.cmp(&b.operation)));
        out
    }

    /// True when the status agreement on calls that do not rest on earlier state reaches `min`.
    pub fn reaches(&self, min: f64) -> bool {
        self.overall().independent_agreement() >= min
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>6} {:>7} {:>8} {:>7} {:>7}  operation",
            "calls", "status", "earlier", "indep", "fields"
        );
        for op in self.operations() {
            let _ = writeln!(
                out,
                "{:>6} {:>6.1}% {:>8} {:>6.1}% {:>6.1}%  {}",
                op.calls,
                percent(op.status_agree, op.calls),
                op.depends_on_earlier_state,
                op.independent_agreement(),
                percent(op.fields_agree, op.fields_compared),
                op.operation
            );
        }
        for call in self
            .calls
            .iter()
            .filter(|c| c.depends_on_earlier_state.is_some() || !c.status_agrees())
        {
            let why = call.depends_on_earlier_state.as_deref().map_or_else(
                || format!("DIFFERS: {}", call.note.as_deref().unwrap_or_default()),
                |reason| format!("earlier state: {reason}"),
            );
            let _ = writeln!(
                out,
                "{} #{} {} (sent {}): real {}, ours {}: {why}",
                call.run, call.index, call.operation, call.sent, call.real_status, call.our_status
            );
        }
        let all = self.overall();
        let _ = writeln!(
            out,
            "{} runs, {} calls replayed ({} skipped: refused by a proxy, or signing in or out with redacted tokens): status agrees on {:.1}%; \
             {} depend on earlier state; on the other {}, status agrees on {:.1}%; fields agree on {:.1}% of {} compared",
            self.runs,
            all.calls,
            self.skipped,
            percent(all.status_agree, all.calls),
            all.depends_on_earlier_state,
            all.independent(),
            all.independent_agreement(),
            percent(all.fields_agree, all.fields_compared),
            all.fields_compared
        );
        out
    }

    pub fn json(&self) -> Value {
        json!({
            "runs": self.runs,
            "skipped": self.skipped,
            "overall": self.overall().json(),
            "operations": self.operations().iter().map(Operation::json).collect::<Vec<_>>(),
            "calls": self.calls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_names_its_ids_as_placeholders() {
        assert_eq!(
            operation("put", "/v2/invoice/123/:payment"),
            "PUT /v2/invoice/{id}/:payment"
        );
    }

    #[test]
    fn a_refused_duplicate_depends_on_earlier_state() {
        let call = Call {
            method: "post".into(),
            path: "/v2/employee".into(),
            query: Vec::new(),
            body: None,
            status: 422,
            response: r#"{"status":422,"validationMessages":[{"field":"email","message":"Det finnes allerede en bruker med denne e-postadressen."}]}"#.into(),
        };
        let reason = dependence(&call, None, 201, &Value::Null, &[], &IdMap::default());
        assert!(reason.is_some_and(|r| r.contains("duplicate")));
    }
}
