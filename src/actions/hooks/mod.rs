//! The resources' own behaviour, typed: each [`Hook`] the operation table assigns (order lines
//! kept inside their order, postings read from vouchers, an invoice made from orders, paid,
//! credited and sent, a voucher reversed, travel expenses delivered and approved, …) is one
//! function here, called with the caller and the operation's input like the generic operations.

mod bank;
mod booking;
mod currency;
mod dimensions;
mod employment;
mod invoices;
mod ledger;
mod orders;
mod payables;
mod projects;
mod reminders;
mod reports;
mod timesheet;
mod travel;

pub use employment::add_employments;

use crate::actions::{Actor, Answer, Input, views};
use crate::domain::kind::Kind;
use crate::domain::resource::{self, ResourceDef};
use crate::domain::table::Hook;
use crate::store::{Db, StoredObject};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use std::collections::HashMap;

/// Runs `hook` for the operation it serves.
pub async fn run(hook: Hook, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    match hook {
        Hook::CreateOrderLine => orders::create_lines(actor, input, false).await,
        Hook::CreateOrderLines => orders::create_lines(actor, input, true).await,
        Hook::GetOrderLine => orders::get_line(actor, input),
        Hook::UpdateOrderLine => orders::change_line(actor, input, false).await,
        Hook::DeleteOrderLine => orders::change_line(actor, input, true).await,
        Hook::ListPostings => ledger::list_postings(actor, input),
        Hook::GetPosting => ledger::get_posting(actor, input),
        Hook::ReverseVoucher => ledger::reverse_voucher(actor, input).await,
        Hook::SendVoucherToLedger => ledger::voucher_in_ledger(actor, input),
        Hook::AttachToVoucher => ledger::attach_to_voucher(actor, input).await,
        Hook::ApproveSupplierInvoice => ledger::approve_supplier_invoice(actor, input).await,
        Hook::PostSupplierInvoice => ledger::post_supplier_invoice(actor, input).await,
        Hook::CreateIncomingInvoice => ledger::create_incoming_invoice(actor, input).await,
        Hook::CreateInvoice => invoices::create(actor, input).await,
        Hook::InvoiceOrder => invoices::invoice_order(actor, input).await,
        Hook::PayInvoice => invoices::pay(actor, input).await,
        Hook::CreditInvoice => invoices::credit(actor, input).await,
        Hook::SendInvoice => invoices::send(actor, input),
        Hook::DeliverTravelExpenses => travel::change_state(actor, input, travel::Step::Deliver).await,
        Hook::ApproveTravelExpenses => travel::change_state(actor, input, travel::Step::Approve).await,
        Hook::UndeliverTravelExpenses => travel::change_state(actor, input, travel::Step::Undeliver).await,
        Hook::UnapproveTravelExpenses => travel::change_state(actor, input, travel::Step::Unapprove).await,
        Hook::ActivitiesForTimeSheet => travel::activities_for_time_sheet(actor, input),
        Hook::BalanceSheet => reports::balance_sheet(actor, input),
        Hook::LedgerAccounts => reports::ledger_accounts(actor, input),
        Hook::CreateSalaryTransaction => ledger::create_salary_transaction(actor, input).await,
        Hook::OpenPostings => ledger::open_postings(actor, input),
        Hook::CurrencyRate => currency::rate(actor, input),
        Hook::CurrencyConvert => currency::convert(actor, input),
        Hook::CurrencyExchange => currency::exchange(actor, input),
        Hook::PaySupplierInvoice => payables::add_payment(actor, input).await,
        Hook::CreateReminder => reminders::create_reminder(actor, input).await,
        Hook::ImportBankStatement => bank::import_statement(actor, input).await,
        Hook::SuggestBankMatches => bank::suggest(actor, input).await,
        Hook::CreateBankMatch => bank::create_match(actor, input).await,
        Hook::DeleteBankMatch => bank::delete_match(actor, input).await,
        Hook::CreateDimensionName => dimensions::create_name(actor, input).await,
        Hook::CreateDimensionValue => dimensions::create_value(actor, input).await,
        Hook::SearchDimensionNames => dimensions::search(actor, input, Kind::DimensionName),
        Hook::SearchDimensionValues => dimensions::search(actor, input, Kind::DimensionValue),
        Hook::CreateEmploymentDetails => employment::create_details(actor, input).await,
        Hook::CreateProjectActivity => projects::create_project_activity(actor, input).await,
        Hook::ListTimesheetEntries => timesheet::list_entries(actor, input),
    }
}

/// Whether `hook` reads a JSON body (the others take none, or a file they do not keep).
pub fn reads_json_body(hook: Hook) -> bool {
    matches!(
        hook,
        Hook::CreateOrderLine
            | Hook::CreateOrderLines
            | Hook::UpdateOrderLine
            | Hook::PostSupplierInvoice
            | Hook::CreateInvoice
            | Hook::CreateIncomingInvoice
            | Hook::CreateSalaryTransaction
            | Hook::CreateBankMatch
            | Hook::CreateDimensionName
            | Hook::CreateDimensionValue
            | Hook::CreateEmploymentDetails
            | Hook::CreateProjectActivity
    )
}

/// Whether `hook` reads a file sent as `multipart/form-data`.
pub fn reads_file(hook: Hook) -> bool {
    hook == Hook::ImportBankStatement
}

fn def(kind: Kind) -> Result<&'static ResourceDef, ApiError> {
    resource::of(kind).ok_or_else(|| ApiError::internal(&format!("the {kind} definition is missing")))
}

/// A required query argument, or the 422/15000 naming it.
fn argument<'q>(query: &'q HashMap<String, String>, name: &str, operation: &str) -> Result<&'q str, ApiError> {
    query
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::missing_arguments(&[name], format!("{operation} needs the query argument {name}.")))
}

/// Refuses with one 422/15000 naming every argument of `names` the call lacks.
fn arguments_present(query: &HashMap<String, String>, names: &[&str], message: &str) -> Result<(), ApiError> {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| query.get(*n).is_none_or(|v| v.trim().is_empty()))
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(ApiError::missing_arguments(&missing, message.to_owned())),
    }
}

fn date_argument(query: &HashMap<String, String>, name: &str, operation: &str) -> Result<jiff::civil::Date, ApiError> {
    let text = argument(query, name, operation)?;
    text.trim().parse().map_err(|_| {
        ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "{operation}: {name} must be a date as YYYY-MM-DD, not {text:?}."
            ))
            .with_validation(vec![ValidationMessage::arg(
                name,
                "Ugyldig dato. Bruk formatet YYYY-MM-DD.",
            )])
    })
}

fn number_argument(query: &HashMap<String, String>, name: &str, operation: &str) -> Result<f64, ApiError> {
    let text = argument(query, name, operation)?;
    query::check(name, text, ValueType::Number)?;
    text.trim()
        .parse()
        .map_err(|_| ApiError::new(ErrorKind::Validation).with_developer_message(format!("{name} must be a number.")))
}

/// An optional number argument: `None` when left out or empty, the 422 when it is no number.
fn optional_number_argument(
    query: &HashMap<String, String>,
    name: &str,
    operation: &str,
) -> Result<Option<f64>, ApiError> {
    match query.get(name).filter(|v| !v.trim().is_empty()) {
        Some(_) => number_argument(query, name, operation).map(Some),
        None => Ok(None),
    }
}

/// A required id argument (a whole number), or the 422 naming it.
fn id_argument(query: &HashMap<String, String>, name: &str, operation: &str) -> Result<i64, ApiError> {
    let text = argument(query, name, operation)?;
    query::check(name, text, ValueType::Integer)?;
    Ok(text.trim().parse().unwrap_or_default())
}

/// The object `id` of `path` if the company owns it (a payment type named in a query argument).
fn company_object(db: &Db<'_>, path: &str, id: i64, company: i64) -> Result<Option<StoredObject>, ApiError> {
    Ok(db.object(path, id)?.filter(|o| o.company_id == company))
}

/// An object with every field, as an action's answer shows it.
fn whole(
    def: &ResourceDef,
    base: &str,
    object: &StoredObject,
    db: &Db<'_>,
    company: i64,
) -> Result<serde_json::Value, ApiError> {
    let value = views::render(def, base, object, db, company)?;
    FieldFilter::everything().apply(value, &def.model)
}
