//! Ledger rules: what a voucher's postings must be, how a posting with VAT is booked (its net
//! amount, and a system-generated row on the VAT type's account), which vouchers can be
//! reversed and what a reversal books, and the vouchers business operations book (an invoice, a
//! payment, a supplier's invoice, a travel expense, a salary run). Pure: no HTTP, no SQL.

use crate::domain::denial::{Denial, DenialKind, Rule};
use serde_json::{Map, Value, json};

/// An amount in whole øre.
pub fn round(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// What booking a posting needs to know of its VAT type: its rate, and the company's account
/// the VAT is posted to (none for a type that books no VAT of its own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VatRate {
    pub percentage: f64,
    pub account_id: Option<i64>,
}

/// The ledger account a VAT type's amount is posted to, by its name and rate: outgoing VAT to
/// 2700/2701/2702 and deductible incoming VAT to 2710/2711/2712 (high, middle, low rate). Types
/// that are bases only (0 %), direct postings (100 %) or reverse charges (negative rates) book
/// no VAT row.
pub fn vat_account_number(name: &str, percentage: f64) -> Option<i64> {
    let name = name.to_lowercase();
    let outgoing = name.starts_with("utgående avgift");
    let incoming = name.starts_with("fradrag inngående avgift");
    if !(outgoing || incoming) || percentage <= 0.0 || percentage >= 100.0 {
        return None;
    }
    let band = if percentage >= 25.0 {
        0
    } else if percentage >= 15.0 {
        1
    } else {
        2
    };
    Some(if outgoing { 2700 } else { 2710 } + band)
}

/// The first account number of the result accounts (income and expenses), whose balance starts
/// from zero each year; the accounts below it carry their balance over.
pub const FIRST_RESULT_ACCOUNT: i64 = 3000;

/// An account's balance at the start of a report: all its history for a balance account, this
/// year's part of it for a result account.
pub fn opening_balance(number: i64, before: f64, before_this_year: f64) -> f64 {
    if number >= FIRST_RESULT_ACCOUNT {
        before_this_year
    } else {
        before
    }
}

/// A gross amount split into its net amount and its VAT at `percentage`, in whole øre (the VAT
/// is what is left, so the two add up to the gross exactly).
pub fn split_gross(gross: f64, percentage: f64) -> (f64, f64) {
    let net = round(gross / (1.0 + percentage / 100.0));
    (net, round(gross - net))
}

/// Rows are numbered from 1: row 0 is where Tripletex puts the postings it generates itself.
pub fn rows_are_numbered(postings: &[Value]) -> Result<(), Denial> {
    let zero = postings.iter().any(|p| {
        p.get("row").and_then(Value::as_i64) == Some(0)
            && !p.get("systemGenerated").and_then(Value::as_bool).unwrap_or(false)
    });
    if !zero {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::RowsAreNumbered,
        "A posting was sent on row 0, which holds the postings Tripletex generates itself.",
    )
    .remedy("number the postings' rows from 1 (\"row\": 1, 2, …).")
    .field(
        "postings.row",
        "Posteringer på rad 0 er systemgenererte og kan ikke opprettes manuelt.",
    ))
}

/// Where a client sent a posting's amount only as `amount` (and `amountCurrency`), that is its
/// gross; a gross left out in currency is the gross itself (a posting in the company's own
/// currency). `postings` are the merged rows, `sent` the same rows as the client sent them.
pub fn gross_sent_as_amount(postings: &mut [Value], sent: &[Value]) {
    for (posting, sent) in postings.iter_mut().zip(sent) {
        let Some(posting) = posting.as_object_mut() else {
            continue;
        };
        let number = |name: &str| sent.get(name).filter(|v| v.is_number()).cloned();
        if sent.get("amountGross").is_none()
            && let Some(amount) = number("amount")
        {
            posting.insert("amountGross".into(), amount);
        }
        if sent.get("amountGrossCurrency").is_none() {
            let gross = posting.get("amountGross").cloned().unwrap_or(Value::Null);
            let currency = number("amountCurrency").filter(|_| sent.get("amountGross").is_none());
            posting.insert("amountGrossCurrency".into(), currency.unwrap_or(gross));
        }
    }
}

/// Gives the rows a client left unnumbered (no `row`, or 0 by default) the numbers after the
/// highest it gave; the ledger's own rows keep theirs.
pub fn number_rows(postings: &mut [Value]) {
    let mut next = postings
        .iter()
        .filter_map(|p| p.get("row").and_then(Value::as_i64))
        .max()
        .unwrap_or(0);
    for posting in postings.iter_mut().filter_map(Value::as_object_mut) {
        let generated = posting.get("systemGenerated").and_then(Value::as_bool) == Some(true);
        let row = posting.get("row").and_then(Value::as_i64).unwrap_or(0);
        if row <= 0 && !generated {
            next += 1;
            posting.insert("row".into(), json!(next));
        }
    }
}

/// Every posting names the account it is booked on.
pub fn postings_have_accounts(postings: &[Value]) -> Result<(), Denial> {
    let missing = postings.iter().position(|p| {
        p.get("account")
            .and_then(|a| a.get("id"))
            .and_then(Value::as_i64)
            .is_none()
    });
    let Some(index) = missing else { return Ok(()) };
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::PostingsHaveAccounts,
        format!("Posting {} names no account.", index + 1),
    )
    .remedy("send \"account\": {\"id\": …} on every posting (GET /v2/ledger/account?number=… finds it).")
    .field("postings.account", "Kan ikke være null."))
}

/// An account as a posting's VAT check sees it: its number, and the VAT type it is locked to.
pub struct VatLock {
    pub number: i64,
    pub vat_type: i64,
    /// The VAT type's code as users know it (`number`, e.g. "0", "1").
    pub code: String,
}

/// A posting on an account locked to a VAT type (`vatLocked`) names that VAT type or none. No
/// recording shows Tripletex's refusal; the message is the sandbox's.
pub fn postings_keep_their_accounts_vat_lock(
    postings: &[Value],
    lock_of: impl Fn(i64) -> Option<VatLock>,
) -> Result<(), Denial> {
    let reference = |p: &Value, name: &str| p.get(name).and_then(|v| v.get("id")).and_then(Value::as_i64);
    for (index, posting) in postings.iter().enumerate() {
        let (Some(account), Some(vat)) = (reference(posting, "account"), reference(posting, "vatType")) else {
            continue;
        };
        let Some(lock) = lock_of(account).filter(|l| l.vat_type != vat) else {
            continue;
        };
        return Err(Denial::new(
            DenialKind::Invalid,
            Rule::PostingsKeepTheirAccountsVatLock,
            format!(
                "Posting {} names VAT type {vat} on account {}, which is locked to VAT code {}.",
                index + 1,
                lock.number,
                lock.code
            ),
        )
        .remedy("leave vatType out of the posting, send the account's own VAT type, or book on an account that is not VAT-locked.")
        .field(
            "postings.vatType",
            &format!("Konto {} er låst til mva-kode {}.", lock.number, lock.code),
        ));
    }
    Ok(())
}

/// A voucher's postings as the ledger books them: the system-generated rows of an earlier
/// booking dropped, each row sent given its net `amount` (its gross less VAT), and after each
/// row with VAT a generated row of the VAT on the VAT type's account, with an id from `next_id`, all
/// of them after the rows sent.
pub fn booked_postings(
    postings: &[Value],
    rate_of: impl Fn(i64) -> Option<VatRate>,
    mut next_id: impl FnMut() -> i64,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(postings.len() + 2);
    // Generated VAT rows follow every row the client sent, as Tripletex numbers them.
    let mut generated_rows = Vec::new();
    for posting in postings.iter().filter_map(Value::as_object) {
        if posting.get("systemGenerated").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let mut row = posting.clone();
        let gross = amount_of(posting, "amountGross", "amount");
        let gross_currency = posting
            .get("amountGrossCurrency")
            .and_then(Value::as_f64)
            .unwrap_or(gross);
        let rate = posting
            .get("vatType")
            .and_then(|v| v.get("id"))
            .and_then(Value::as_i64)
            .and_then(&rate_of);
        let vat_row = rate.and_then(|r| Some((r.account_id?, r.percentage)));
        let ((net, vat), (net_currency, vat_currency)) = match vat_row {
            Some((_, percentage)) => (split_gross(gross, percentage), split_gross(gross_currency, percentage)),
            None => ((gross, 0.0), (gross_currency, 0.0)),
        };
        for (name, value) in [
            ("amountGross", gross),
            ("amountGrossCurrency", gross_currency),
            ("amount", net),
            ("amountCurrency", net_currency),
        ] {
            row.insert(name.into(), json!(value));
        }
        row.insert("systemGenerated".into(), json!(false));
        let generated = vat_row
            .filter(|_| vat != 0.0)
            .map(|(account, _)| vat_posting(&row, account, (vat, vat_currency), next_id()));
        out.push(Value::Object(row));
        generated_rows.extend(generated);
    }
    out.extend(generated_rows);
    out
}

/// A posting's amount: `primary`, else `fallback` (a client that sends only `amount`), else 0.
fn amount_of(posting: &Map<String, Value>, primary: &str, fallback: &str) -> f64 {
    posting
        .get(primary)
        .and_then(Value::as_f64)
        .or_else(|| posting.get(fallback).and_then(Value::as_f64))
        .unwrap_or(0.0)
}

/// The VAT row generated for `source`: its VAT on `account`, on the same row, date and party.
fn vat_posting(source: &Map<String, Value>, account: i64, (vat, vat_currency): (f64, f64), id: i64) -> Value {
    let mut row = Map::new();
    row.insert("id".into(), json!(id));
    for kept in [
        "row",
        "date",
        "description",
        "customer",
        "supplier",
        "employee",
        "department",
        "project",
        "currency",
    ] {
        if let Some(value) = source.get(kept) {
            row.insert(kept.into(), value.clone());
        }
    }
    row.insert("account".into(), json!({ "id": account }));
    for (name, value) in [
        ("amount", vat),
        ("amountCurrency", vat_currency),
        ("amountGross", vat),
        ("amountGrossCurrency", vat_currency),
    ] {
        row.insert(name.into(), json!(value));
    }
    row.insert("vatType".into(), source.get("vatType").cloned().unwrap_or(Value::Null));
    row.insert("systemGenerated".into(), json!(true));
    Value::Object(row)
}

/// The ledger account of an entry: a number of the company's chart, or an account it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Number(i64),
    Id(i64),
}

/// The receivables account an invoice debits and its payments credit.
pub const RECEIVABLES: i64 = 1500;
/// The payables account a supplier's invoice credits.
pub const PAYABLES: i64 = 2400;
/// Sales with VAT, and sales without.
pub const SALES: i64 = 3000;
pub const SALES_WITHOUT_VAT: i64 = 3100;
/// An exchange gain and an exchange loss on a payment in another currency.
pub const EXCHANGE_GAIN: i64 = 8060;
pub const EXCHANGE_LOSS: i64 = 8160;

/// One posting a business operation books, before its account is resolved in the company.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub account: Account,
    /// Debit positive, credit negative; including VAT when `vat_type` is set.
    pub gross: f64,
    pub gross_currency: f64,
    pub vat_type: Option<i64>,
    /// What the posting points at: `("customer", id)`, `("supplier", id)`, `("employee", id)`, …
    pub parties: Vec<(&'static str, i64)>,
    pub description: String,
    /// The invoice a receivable or payable posting belongs to: the open posts of an account are
    /// its postings whose invoice is not settled.
    pub invoice_number: Option<String>,
}

impl Entry {
    pub fn new(account: Account, gross: f64) -> Self {
        Self {
            account,
            gross: round(gross),
            gross_currency: round(gross),
            vat_type: None,
            parties: Vec::new(),
            description: String::new(),
            invoice_number: None,
        }
    }

    pub fn for_invoice(mut self, number: &str) -> Self {
        self.invoice_number = Some(number.to_owned()).filter(|n| !n.is_empty());
        self
    }

    pub fn in_currency(mut self, gross_currency: f64) -> Self {
        self.gross_currency = round(gross_currency);
        self
    }

    pub fn vat(mut self, vat_type: Option<i64>) -> Self {
        self.vat_type = vat_type;
        self
    }

    pub fn party(mut self, field: &'static str, id: Option<i64>) -> Self {
        if let Some(id) = id {
            self.parties.push((field, id));
        }
        self
    }

    pub fn described(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }
}

/// The body of the voucher that books `entries` (each with its account resolved), rows from 1.
pub fn voucher_of(date: &str, description: &str, voucher_type: Option<i64>, entries: &[(Entry, i64)]) -> Value {
    let postings: Vec<Value> = entries
        .iter()
        .enumerate()
        .map(|(index, (entry, account_id))| {
            let mut posting = Map::new();
            posting.insert("row".into(), json!(index + 1));
            posting.insert("date".into(), json!(date));
            posting.insert("description".into(), json!(entry.description));
            posting.insert("account".into(), json!({ "id": account_id }));
            posting.insert("amountGross".into(), json!(entry.gross));
            posting.insert("amountGrossCurrency".into(), json!(entry.gross_currency));
            if let Some(vat) = entry.vat_type {
                posting.insert("vatType".into(), json!({ "id": vat }));
            }
            for (field, id) in &entry.parties {
                posting.insert((*field).into(), json!({ "id": id }));
            }
            if let Some(number) = &entry.invoice_number {
                posting.insert("invoiceNumber".into(), json!(number));
            }
            Value::Object(posting)
        })
        .collect();
    json!({
        "date": date,
        "description": description,
        "voucherType": voucher_type.map(|id| json!({ "id": id })),
        "postings": postings,
    })
}

/// One line of an invoice as it is booked: its amount including VAT, its VAT type and the
/// sales account it is booked on (the product's, else by whether it carries VAT).
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub gross: f64,
    pub gross_currency: f64,
    pub vat_type: Option<i64>,
    pub vat_percentage: f64,
    pub account: Option<i64>,
    pub product: Option<i64>,
}

/// The sales accounts a new company locks to the outgoing VAT types: high, middle and low rate,
/// exempt, and outside the VAT area (VAT type ids as the seed numbers them).
const SALES_BY_VAT_TYPE: [(i64, i64); 5] = [(3, 3000), (31, 3001), (32, 3002), (5, 3100), (6, 3200)];

/// The account a sales line without a product account is credited: the one locked to its VAT
/// type, else 3000 with VAT and 3100 without.
pub fn sales_account(vat_type: Option<i64>, vat_percentage: f64) -> i64 {
    let locked = vat_type.and_then(|id| SALES_BY_VAT_TYPE.iter().find(|(t, _)| *t == id).map(|(_, a)| *a));
    match locked {
        Some(account) => account,
        None if vat_percentage > 0.0 => SALES,
        None => SALES_WITHOUT_VAT,
    }
}

/// What an invoice books: the customer's receivable for the whole amount on 1500, and each line
/// credited on its sales account with its VAT type (the VAT row follows from the type).
pub fn invoice_entries(
    customer: Option<i64>,
    lines: &[InvoiceLine],
    (number, description): (&str, &str),
) -> Vec<Entry> {
    let total: f64 = lines.iter().map(|l| l.gross).sum();
    let total_currency: f64 = lines.iter().map(|l| l.gross_currency).sum();
    let mut entries = vec![
        Entry::new(Account::Number(RECEIVABLES), total)
            .in_currency(total_currency)
            .party("customer", customer)
            .for_invoice(number)
            .described(description),
    ];
    for line in lines {
        let account = match line.account {
            Some(id) => Account::Id(id),
            None => Account::Number(sales_account(line.vat_type, line.vat_percentage)),
        };
        entries.push(
            Entry::new(account, -line.gross)
                .in_currency(-line.gross_currency)
                .vat(line.vat_type)
                .party("customer", customer)
                .party("product", line.product)
                .described(description),
        );
    }
    entries
}

/// What a payment settles of an invoice's receivable in NOK: in the invoice's currency, the part
/// paid at the invoice's own rate (what came in beyond it is an exchange difference); in NOK, what
/// was paid.
pub fn settled_at_invoice_rate(
    (paid, paid_currency): (f64, f64),
    (invoice_amount, invoice_currency): (f64, f64),
) -> f64 {
    if invoice_currency != 0.0 && (invoice_amount - invoice_currency).abs() >= 0.005 {
        round(paid_currency * invoice_amount / invoice_currency)
    } else {
        paid
    }
}

/// What a payment of an invoice books: the payment type's account debited with what came in,
/// the receivable credited with what it settles. Paid in another currency (`paid_currency` of
/// an invoice of `invoice_amount` NOK for `invoice_currency`), the receivable is settled at the
/// invoice's rate and the difference is an exchange gain (8060) or loss (8160).
pub fn payment_entries(
    (customer, invoice_number): (Option<i64>, &str),
    paid_to: i64,
    (paid, paid_currency): (f64, f64),
    (invoice_amount, invoice_currency): (f64, f64),
    description: &str,
) -> Vec<Entry> {
    let settled = settled_at_invoice_rate((paid, paid_currency), (invoice_amount, invoice_currency));
    let mut entries = vec![
        Entry::new(Account::Id(paid_to), paid)
            .in_currency(paid_currency)
            .described(description),
        Entry::new(Account::Number(RECEIVABLES), -settled)
            .in_currency(-paid_currency)
            .party("customer", customer)
            .for_invoice(invoice_number)
            .described(description),
    ];
    let difference = round(paid - settled);
    if difference != 0.0 {
        let account = if difference > 0.0 { EXCHANGE_GAIN } else { EXCHANGE_LOSS };
        entries.push(
            Entry::new(Account::Number(account), -difference)
                .in_currency(0.0)
                .described(description),
        );
    }
    entries
}

/// Where a reminder's fee is earned (8050 Annen renteinntekt).
pub const REMINDER_FEES: i64 = 8050;

/// What a reminder's fee books: the customer owes it on the reminded invoice's receivable.
pub fn reminder_fee_entries(
    (customer, invoice_number): (Option<i64>, &str),
    fee: f64,
    description: &str,
) -> Vec<Entry> {
    vec![
        Entry::new(Account::Number(RECEIVABLES), fee)
            .party("customer", customer)
            .for_invoice(invoice_number)
            .described(description),
        Entry::new(Account::Number(REMINDER_FEES), -fee).described(description),
    ]
}

/// A company has at most three free accounting dimensions.
pub const FREE_DIMENSIONS: i64 = 3;

/// The index a new free dimension gets: the lowest of 1–3 no dimension holds.
pub fn free_dimension_index(taken: &[i64]) -> Result<i64, Denial> {
    if let Some(index) = (1..=FREE_DIMENSIONS).find(|i| !taken.contains(i)) {
        return Ok(index);
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::FreeDimensionIndex,
        "The company has three free accounting dimensions already, the most Tripletex allows.",
    )
    .remedy("add values to an existing dimension (POST /v2/ledger/accountingDimensionValue) or delete one you no longer use.")
    .field("dimensionIndex", "Det kan ikke opprettes flere enn 3 frie dimensjoner."))
}

/// What the company owes its employees (travel expenses, outlays) and what it owes them in pay.
pub const OWED_TO_EMPLOYEES: i64 = 2910;
pub const SALARIES_OWED: i64 = 2930;
/// Tax withheld from pay, and the employer's contribution owed.
pub const TAX_WITHHELD: i64 = 2600;
pub const EMPLOYER_CONTRIBUTION_OWED: i64 = 2770;
/// Salaries, the employer's contribution, travel allowances (not taxable) and car allowances.
pub const SALARIES: i64 = 5000;
pub const EMPLOYER_CONTRIBUTION: i64 = 5400;
pub const TRAVEL_ALLOWANCES: i64 = 7140;
pub const CAR_ALLOWANCES: i64 = 7100;
/// Tax withheld from pay when no tax card is known, and the employer's contribution in zone 1.
pub const WITHHOLDING_PERCENT: f64 = 30.0;
pub const EMPLOYER_CONTRIBUTION_PERCENT: f64 = 14.1;

/// One cost of a travel expense as it is booked: its category's account, its amount including
/// VAT and its VAT type, and the account its payment type credits (none: owed to the employee).
#[derive(Debug, Clone, PartialEq)]
pub struct TravelCost {
    pub account: Option<i64>,
    pub gross: f64,
    pub vat_type: Option<i64>,
    pub paid_from: Option<i64>,
}

/// What an approved travel expense books: each cost on its category's account (with its VAT),
/// per diem on 7140 and mileage on 7100, each credited to what paid it — the employee (2910)
/// unless the cost's payment type names another account.
pub fn travel_entries(
    employee: Option<i64>,
    costs: &[TravelCost],
    (per_diem, mileage): (f64, f64),
    description: &str,
) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut owed = 0.0;
    for cost in costs {
        let account = cost.account.map_or(Account::Number(TRAVEL_ALLOWANCES), Account::Id);
        entries.push(
            Entry::new(account, cost.gross)
                .vat(cost.vat_type)
                .party("employee", employee)
                .described(description),
        );
        match cost.paid_from {
            Some(paid_from) => entries.push(
                Entry::new(Account::Id(paid_from), -cost.gross)
                    .party("employee", employee)
                    .described(description),
            ),
            None => owed += cost.gross,
        }
    }
    for (account, amount) in [(TRAVEL_ALLOWANCES, per_diem), (CAR_ALLOWANCES, mileage)] {
        if round(amount) != 0.0 {
            entries.push(
                Entry::new(Account::Number(account), amount)
                    .party("employee", employee)
                    .described(description),
            );
            owed += amount;
        }
    }
    if round(owed) != 0.0 {
        entries.push(
            Entry::new(Account::Number(OWED_TO_EMPLOYEES), -owed)
                .party("employee", employee)
                .described(description),
        );
    }
    entries
}

/// What one payslip books: the gross pay on 5000, the tax withheld (our flat rate) on 2600 and
/// the rest owed on 2930; the employer's contribution on 5400 against 2770.
pub fn payslip_entries(employee: Option<i64>, gross: f64, description: &str) -> Vec<Entry> {
    let tax = round(gross * WITHHOLDING_PERCENT / 100.0);
    let contribution = round(gross * EMPLOYER_CONTRIBUTION_PERCENT / 100.0);
    let line = |account: i64, amount: f64| {
        Entry::new(Account::Number(account), amount)
            .party("employee", employee)
            .described(description)
    };
    let mut entries = vec![
        line(SALARIES, gross),
        line(TAX_WITHHELD, -tax),
        line(SALARIES_OWED, -(gross - tax)),
    ];
    if contribution != 0.0 {
        entries.push(line(EMPLOYER_CONTRIBUTION, contribution));
        entries.push(line(EMPLOYER_CONTRIBUTION_OWED, -contribution));
    }
    entries
}

/// A salary run sent with a list of payslips has at least one (a run without the list is
/// refused by its required fields).
pub fn salary_run_has_payslips(count: usize) -> Result<(), Denial> {
    if count > 0 {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::SalaryRunHasPayslips,
        "A salary run needs its payslips.",
    )
    .remedy("send at least one payslip in \"payslips\": {\"employee\": {\"id\": …}, \"specifications\": […]}.")
    .field("payslips", "Listen kan ikke være tom."))
}

/// A salary specification's amount: `amount` where given, else rate × count.
pub fn specification_amount(specification: &Value) -> f64 {
    let number = |name: &str| specification.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    match number("amount") {
        amount if amount != 0.0 => round(amount),
        _ => round(number("rate") * number("count")),
    }
}

/// What a supplier's invoice books: each line on its account with its VAT type, and the total
/// owed to the supplier on 2400.
pub fn supplier_invoice_entries(
    supplier: Option<i64>,
    lines: &[(i64, f64, Option<i64>)],
    description: &str,
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = lines
        .iter()
        .map(|(account, gross, vat)| {
            Entry::new(Account::Id(*account), *gross)
                .vat(*vat)
                .party("supplier", supplier)
                .described(description)
        })
        .collect();
    let total: f64 = lines.iter().map(|(_, gross, _)| gross).sum();
    entries.push(
        Entry::new(Account::Number(PAYABLES), -total)
            .party("supplier", supplier)
            .described(description),
    );
    entries
}

/// What a voucher settled of invoices: per invoice number, the amounts its rows credit to the
/// receivables account `receivables` (in NOK and in the invoice's currency), positive.
pub fn settlements(voucher: &Map<String, Value>, receivables: i64) -> Vec<(String, f64, f64)> {
    let mut settled: Vec<(String, f64, f64)> = Vec::new();
    let rows = voucher.get("postings").and_then(Value::as_array).into_iter().flatten();
    for row in rows {
        let on_receivables = row.get("account").and_then(|a| a.get("id")).and_then(Value::as_i64) == Some(receivables);
        let number = row
            .get("invoiceNumber")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty());
        let amount = row.get("amount").and_then(Value::as_f64).unwrap_or_default();
        let (Some(number), true) = (number, on_receivables && amount < 0.0) else {
            continue;
        };
        let currency = row.get("amountCurrency").and_then(Value::as_f64).unwrap_or(amount);
        match settled.iter_mut().find(|(n, _, _)| n == number) {
            Some(entry) => {
                entry.1 -= amount;
                entry.2 -= currency;
            }
            None => settled.push((number.to_owned(), -amount, -currency)),
        }
    }
    settled
}

/// The supplier invoice a booked voucher of the type «Leverandørfaktura» is: its rows on the
/// payables account (`payables`, 2400) that name a supplier say who is owed how much. `None` for
/// any other voucher.
pub fn supplier_invoice_of(voucher_id: i64, voucher: &Map<String, Value>, payables: i64) -> Option<Map<String, Value>> {
    let owed: Vec<&Value> = voucher
        .get("postings")?
        .as_array()?
        .iter()
        .filter(|p| p.get("account").and_then(|a| a.get("id")).and_then(Value::as_i64) == Some(payables))
        .filter(|p| p.get("supplier").and_then(|s| s.get("id")).is_some())
        .collect();
    let supplier = owed.first()?.get("supplier").cloned()?;
    let sum = |field: &str| -> f64 { round(-owed.iter().filter_map(|p| p.get(field)?.as_f64()).sum::<f64>()) };
    let (amount, amount_currency) = (sum("amount"), sum("amountCurrency"));
    let text = |field: &str| voucher.get(field).and_then(Value::as_str).filter(|t| !t.is_empty());
    let number = text("vendorInvoiceNumber")
        .or(text("externalVoucherNumber"))
        .unwrap_or_default();
    let date = voucher.get("date").cloned().unwrap_or(Value::Null);
    let invoice = json!({
        "invoiceNumber": number,
        "invoiceDate": date,
        "invoiceDueDate": owed.first().and_then(|p| p.get("termOfPayment")).filter(|d| d.is_string()).unwrap_or(&date),
        "supplier": supplier,
        "voucher": {"id": voucher_id},
        "amount": amount,
        "amountCurrency": amount_currency,
        "amountExcludingVat": amount,
        "amountExcludingVatCurrency": amount_currency,
        "outstandingAmount": amount,
        "currency": {"id": 1},
        "isCreditNote": amount < 0.0,
        "payments": [],
    });
    invoice.as_object().cloned()
}

/// What paying a supplier invoice books: the payable (with the supplier and invoice number)
/// debited, the payment type's account credited.
pub fn supplier_payment_entries(
    (supplier, invoice_number): (Option<i64>, &str),
    paid_from: i64,
    amount: f64,
    description: &str,
) -> Vec<Entry> {
    vec![
        Entry::new(Account::Number(PAYABLES), amount)
            .party("supplier", supplier)
            .for_invoice(invoice_number)
            .described(description),
        Entry::new(Account::Id(paid_from), -amount).described(description),
    ]
}

/// The entries that undo `entries`: every amount turned round.
pub fn turned_round(entries: Vec<Entry>) -> Vec<Entry> {
    entries
        .into_iter()
        .map(|mut e| {
            e.gross = -e.gross;
            e.gross_currency = -e.gross_currency;
            e
        })
        .collect()
}

/// A voucher's postings as sent to replace `stored`'s, without the rows the ledger generated for
/// `stored` (a client that sends back what it read sends them too; they are generated anew).
pub fn without_generated_rows(sent: &mut Map<String, Value>, stored: &Map<String, Value>) {
    let generated: Vec<i64> = stored
        .get("postings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("systemGenerated").and_then(Value::as_bool) == Some(true))
        .filter_map(|p| p.get("id").and_then(Value::as_i64))
        .collect();
    if let Some(Value::Array(postings)) = sent.get_mut("postings") {
        postings.retain(|p| {
            p.get("id")
                .and_then(Value::as_i64)
                .is_none_or(|id| !generated.contains(&id))
        });
    }
}

/// A voucher is reversed once: a voucher that has its reversal already is refused.
pub fn voucher_can_be_reversed(voucher_id: i64, voucher: &Map<String, Value>) -> Result<(), Denial> {
    let reversed = voucher
        .get("reverseVoucher")
        .and_then(|v| v.get("id"))
        .is_some_and(|id| !id.is_null());
    if !reversed {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::VoucherCanBeReversed,
        format!("Voucher {voucher_id} is already reversed."),
    )
    .remedy("reverse a voucher that is not reversed yet; GET /v2/ledger/voucher/{id} shows reverseVoucher.")
    .field("", &format!("Bilag {voucher_id} er allerede reversert.")))
}

/// The amounts of a posting a reversal turns round.
const POSTING_AMOUNTS: &[&str] = &["amount", "amountCurrency", "amountGross", "amountGrossCurrency"];

/// The body of the voucher that reverses `voucher`, dated `date`: each posting with its account,
/// dimensions and VAT type, its amounts turned round. It balances when the original does.
pub fn reversal_of(voucher: &Map<String, Value>, date: &str) -> Value {
    let postings: Vec<Value> = voucher
        .get("postings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|posting| posting.get("systemGenerated").and_then(Value::as_bool) != Some(true))
        .map(|posting| {
            let mut turned: Map<String, Value> = posting
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "id" | "voucher" | "date"))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            for name in POSTING_AMOUNTS {
                if let Some(amount) = posting.get(*name).and_then(Value::as_f64) {
                    turned.insert((*name).into(), json!(-amount));
                }
            }
            Value::Object(turned)
        })
        .collect();
    let description = voucher.get("description").and_then(Value::as_str).unwrap_or_default();
    json!({
        "date": date,
        "description": format!("Reversering: {description}").trim_end_matches([' ', ':']),
        "postings": postings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_numbered_from_one_and_row_zero_is_the_ledgers() {
        assert!(rows_are_numbered(&[json!({"row": 1}), json!({})]).is_ok());
        assert!(rows_are_numbered(&[json!({"row": 0, "systemGenerated": true})]).is_ok());
        let refused = rows_are_numbered(&[json!({"row": 0})]).unwrap_err();
        assert_eq!(refused.fields[0].field, "postings.row");
        assert!(refused.fields[0].message.contains("systemgenererte"));
    }

    #[test]
    fn an_amount_sent_alone_is_the_gross() {
        let sent = [
            json!({"amount": 100}),
            json!({"amountGross": -100, "amount": -80}),
            json!({"amountGross": 5, "amountGrossCurrency": 1}),
        ];
        let mut merged = vec![
            json!({"amount": 100, "amountGross": 0, "amountGrossCurrency": 0}),
            json!({"amountGross": -100, "amount": -80, "amountGrossCurrency": 0}),
            json!({"amountGross": 5, "amountGrossCurrency": 1}),
        ];
        gross_sent_as_amount(&mut merged, &sent);
        assert_eq!(merged[0]["amountGross"], json!(100));
        assert_eq!(merged[0]["amountGrossCurrency"], json!(100));
        assert_eq!(merged[1]["amountGross"], json!(-100));
        assert_eq!(
            merged[1]["amountGrossCurrency"],
            json!(-100),
            "the gross in currency is the gross"
        );
        assert_eq!(merged[2]["amountGrossCurrency"], json!(1));
    }

    #[test]
    fn unnumbered_rows_follow_the_highest_row_sent() {
        let mut postings = vec![
            json!({"row": 0}),
            json!({"row": 2}),
            json!({}),
            json!({"row": 0, "systemGenerated": true}),
        ];
        number_rows(&mut postings);
        let rows: Vec<i64> = postings.iter().map(|p| p["row"].as_i64().unwrap()).collect();
        assert_eq!(rows, [3, 2, 4, 0]);
    }

    #[test]
    fn postings_keep_their_accounts_vat_lock_or_are_refused() {
        let lock_of = |id: i64| {
            (id == 6000).then(|| VatLock {
                number: 6000,
                vat_type: 0,
                code: "0".into(),
            })
        };
        let fine = [
            json!({"account": {"id": 6000}}),
            json!({"account": {"id": 6000}, "vatType": {"id": 0}}),
            json!({"account": {"id": 6800}, "vatType": {"id": 1}}),
        ];
        assert!(postings_keep_their_accounts_vat_lock(&fine, lock_of).is_ok());
        let locked = [
            json!({"account": {"id": 6800}}),
            json!({"account": {"id": 6000}, "vatType": {"id": 1}}),
        ];
        let refused = postings_keep_their_accounts_vat_lock(&locked, lock_of).unwrap_err();
        assert!(refused.reason.contains("Posting 2"), "{}", refused.reason);
        assert_eq!(refused.fields[0].message, "Konto 6000 er låst til mva-kode 0.");
    }

    #[test]
    fn postings_have_accounts_or_are_refused() {
        assert!(postings_have_accounts(&[json!({"account": {"id": 5}})]).is_ok());
        let refused = postings_have_accounts(&[json!({"account": {"id": 5}}), json!({"amountGross": 1})]).unwrap_err();
        assert!(refused.reason.contains("Posting 2"), "{}", refused.reason);
    }

    #[test]
    fn vat_goes_to_the_account_of_its_direction_and_rate() {
        assert_eq!(vat_account_number("Utgående avgift, høy sats", 25.0), Some(2700));
        assert_eq!(vat_account_number("Utgående avgift, middels sats", 15.0), Some(2701));
        assert_eq!(vat_account_number("Utgående avgift, lav sats", 12.0), Some(2702));
        assert_eq!(
            vat_account_number("Fradrag inngående avgift, høy sats", 25.0),
            Some(2710)
        );
        assert_eq!(
            vat_account_number("Fradrag inngående avgift, lav sats", 12.0),
            Some(2712)
        );
        assert_eq!(
            vat_account_number("Ingen utgående avgift (innenfor mva-loven)", 0.0),
            None
        );
        assert_eq!(
            vat_account_number("Direktepostert utgående avgift, høy sats", 100.0),
            None
        );
        assert_eq!(
            vat_account_number("Fradrag inngående avgift ved kjøp av tjenester", -25.0),
            None
        );
    }

    #[test]
    fn a_sales_line_is_credited_to_the_account_locked_to_its_vat_type() {
        assert_eq!(sales_account(Some(3), 25.0), 3000);
        assert_eq!(sales_account(Some(31), 15.0), 3001);
        assert_eq!(sales_account(Some(32), 12.0), 3002);
        assert_eq!(sales_account(Some(5), 0.0), 3100);
        assert_eq!(sales_account(Some(6), 0.0), 3200);
        assert_eq!((sales_account(Some(99), 25.0), sales_account(None, 0.0)), (3000, 3100));
    }

    #[test]
    fn a_payment_settles_the_invoices_its_receivable_rows_name() {
        let voucher = json!({"postings": [
            {"account": {"id": 1920}, "amount": 1000.0},
            {"account": {"id": 1500}, "amount": -600.0, "amountCurrency": -600.0, "invoiceNumber": "7"},
            {"account": {"id": 1500}, "amount": -400.0, "amountCurrency": -400.0, "invoiceNumber": "7"},
            {"account": {"id": 1500}, "amount": 70.0, "invoiceNumber": "8"},
        ]});
        assert_eq!(
            settlements(voucher.as_object().unwrap(), 1500),
            vec![("7".to_owned(), 1000.0, 1000.0)]
        );
    }

    #[test]
    fn free_dimension_index() {
        assert_eq!(super::free_dimension_index(&[]).ok(), Some(1));
        assert_eq!(super::free_dimension_index(&[1, 3]).ok(), Some(2));
        let full = super::free_dimension_index(&[1, 2, 3]).unwrap_err();
        assert_eq!(full.fields[0].field, "dimensionIndex");
    }

    #[test]
    fn a_posting_with_vat_is_booked_net_with_a_generated_vat_row() {
        let sent = [
            json!({"row": 1, "account": {"id": 7140}, "amountGross": 13600.0, "vatType": {"id": 1}, "department": {"id": 4}}),
            json!({"row": 2, "account": {"id": 2400}, "amountGross": -13600.0, "supplier": {"id": 9}}),
        ];
        let rate = |id| {
            (id == 1).then_some(VatRate {
                percentage: 25.0,
                account_id: Some(2710),
            })
        };
        let booked = booked_postings(&sent, rate, || 99);
        assert_eq!(booked.len(), 3);
        assert_eq!(
            (booked[0]["amount"].as_f64(), booked[0]["amountGross"].as_f64()),
            (Some(10880.0), Some(13600.0))
        );
        // The generated VAT row comes after every row sent.
        assert_eq!(booked[2]["account"], json!({"id": 2710}));
        assert_eq!(
            (booked[2]["amount"].as_f64(), booked[2]["amountGross"].as_f64()),
            (Some(2720.0), Some(2720.0))
        );
        assert_eq!(booked[2]["systemGenerated"], json!(true));
        assert_eq!(
            (booked[2]["row"].clone(), booked[2]["department"].clone()),
            (json!(1), json!({"id": 4}))
        );
        assert_eq!(booked[1]["amount"].as_f64(), Some(-13600.0));
        let net: f64 = booked.iter().filter_map(|p| p["amount"].as_f64()).sum();
        assert_eq!(net, 0.0);
        // Booked again (an update sends back what it read): the generated row is made anew, once.
        assert_eq!(booked_postings(&booked, rate, || 100).len(), 3);
    }

    #[test]
    fn a_split_adds_up_to_the_gross_in_whole_ore() {
        assert_eq!(split_gross(100.0, 25.0), (80.0, 20.0));
        assert_eq!(split_gross(99.99, 15.0), (86.95, 13.04));
        assert_eq!(split_gross(-1250.0, 25.0), (-1000.0, -250.0));
    }

    #[test]
    fn an_invoice_debits_the_receivable_and_credits_sales_per_line() {
        let lines = [
            InvoiceLine {
                gross: 250.0,
                gross_currency: 250.0,
                vat_type: Some(3),
                vat_percentage: 25.0,
                account: None,
                product: Some(8),
            },
            InvoiceLine {
                gross: 50.0,
                gross_currency: 50.0,
                vat_type: Some(5),
                vat_percentage: 0.0,
                account: None,
                product: None,
            },
            InvoiceLine {
                gross: 10.0,
                gross_currency: 10.0,
                vat_type: None,
                vat_percentage: 0.0,
                account: Some(77),
                product: None,
            },
        ];
        let entries = invoice_entries(Some(5), &lines, ("1", "Faktura nummer 1"));
        assert_eq!(entries[0].invoice_number.as_deref(), Some("1"));
        assert_eq!(entries[0].account, Account::Number(RECEIVABLES));
        assert_eq!(
            (entries[0].gross, entries[0].parties.clone()),
            (310.0, vec![("customer", 5)])
        );
        assert_eq!(
            (entries[1].account, entries[1].gross, entries[1].vat_type),
            (Account::Number(SALES), -250.0, Some(3))
        );
        assert_eq!(entries[1].parties, vec![("customer", 5), ("product", 8)]);
        assert_eq!(
            (entries[2].account, entries[2].gross),
            (Account::Number(SALES_WITHOUT_VAT), -50.0)
        );
        assert_eq!((entries[3].account, entries[3].gross), (Account::Id(77), -10.0));
        assert_eq!(entries.iter().map(|e| e.gross).sum::<f64>(), 0.0);
    }

    #[test]
    fn a_payment_in_nok_moves_the_receivable_to_the_bank() {
        let entries = payment_entries((Some(5), "1"), 1920, (100.0, 100.0), (300.0, 300.0), "Innbetaling");
        assert_eq!(entries[1].invoice_number.as_deref(), Some("1"));
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].account, entries[0].gross), (Account::Id(1920), 100.0));
        assert_eq!(
            (entries[1].account, entries[1].gross),
            (Account::Number(RECEIVABLES), -100.0)
        );
    }

    #[test]
    fn a_payment_in_currency_books_the_exchange_difference() {
        // An invoice of 100 EUR booked at 1150 NOK, paid 100 EUR that came in as 1180 NOK: a gain.
        let gain = payment_entries((Some(5), "1"), 1920, (1180.0, 100.0), (1150.0, 100.0), "");
        assert_eq!((gain[1].gross, gain[1].gross_currency), (-1150.0, -100.0));
        assert_eq!(
            (gain[2].account, gain[2].gross),
            (Account::Number(EXCHANGE_GAIN), -30.0)
        );
        let loss = payment_entries((Some(5), "1"), 1920, (1100.0, 100.0), (1150.0, 100.0), "");
        assert_eq!((loss[2].account, loss[2].gross), (Account::Number(EXCHANGE_LOSS), 50.0));
        for entries in [gain, loss] {
            assert_eq!(ledger_sum(&entries, |e| e.gross), 0.0);
            assert_eq!(ledger_sum(&entries, |e| e.gross_currency), 0.0);
        }
    }

    fn ledger_sum(entries: &[Entry], amount: impl Fn(&Entry) -> f64) -> f64 {
        round(entries.iter().map(amount).sum())
    }

    #[test]
    fn a_travel_expense_books_costs_allowances_and_what_is_owed_to_the_employee() {
        let costs = [
            TravelCost {
                account: Some(7140),
                gross: 1250.0,
                vat_type: Some(1),
                paid_from: None,
            },
            TravelCost {
                account: Some(7000),
                gross: 300.0,
                vat_type: None,
                paid_from: Some(1920),
            },
        ];
        let entries = travel_entries(Some(4), &costs, (800.0, 0.0), "Reise");
        let booked: Vec<(Account, f64)> = entries.iter().map(|e| (e.account, e.gross)).collect();
        assert_eq!(
            booked,
            vec![
                (Account::Id(7140), 1250.0),
                (Account::Id(7000), 300.0),
                (Account::Id(1920), -300.0),
                (Account::Number(TRAVEL_ALLOWANCES), 800.0),
                (Account::Number(OWED_TO_EMPLOYEES), -2050.0),
            ]
        );
        assert_eq!(entries[0].vat_type, Some(1));
        assert!(entries.iter().all(|e| e.parties == vec![("employee", 4)]));
    }

    #[test]
    fn a_payslip_books_pay_withholding_and_the_employer_contribution() {
        let entries = payslip_entries(Some(4), 50_000.0, "Lønn");
        let booked: Vec<(Account, f64)> = entries.iter().map(|e| (e.account, e.gross)).collect();
        assert_eq!(
            booked,
            vec![
                (Account::Number(SALARIES), 50_000.0),
                (Account::Number(TAX_WITHHELD), -15_000.0),
                (Account::Number(SALARIES_OWED), -35_000.0),
                (Account::Number(EMPLOYER_CONTRIBUTION), 7_050.0),
                (Account::Number(EMPLOYER_CONTRIBUTION_OWED), -7_050.0),
            ]
        );
        assert_eq!(specification_amount(&json!({"rate": 250.0, "count": 4})), 1000.0);
        assert_eq!(
            specification_amount(&json!({"amount": 99.5, "rate": 1, "count": 1})),
            99.5
        );
    }

    #[test]
    fn salary_run_has_payslips_refuses_an_empty_list() {
        assert!(salary_run_has_payslips(1).is_ok());
        let refused = salary_run_has_payslips(0).unwrap_err();
        assert_eq!(
            (refused.fields[0].field.as_str(), refused.fields[0].message.as_str()),
            ("payslips", "Listen kan ikke være tom.")
        );
    }

    #[test]
    fn a_supplier_invoice_credits_the_supplier_with_the_total() {
        let entries = supplier_invoice_entries(Some(9), &[(6800, 1000.0, Some(1)), (6300, 500.0, None)], "F-1");
        assert_eq!(
            (entries[2].account, entries[2].gross),
            (Account::Number(PAYABLES), -1500.0)
        );
        assert_eq!(entries[0].vat_type, Some(1));
        assert!(entries.iter().all(|e| e.parties == vec![("supplier", 9)]));
    }

    #[test]
    fn a_voucher_of_entries_numbers_its_rows_and_names_their_parties() {
        let entries = [(
            Entry::new(Account::Number(1500), 10.0)
                .party("customer", Some(3))
                .vat(Some(3)),
            41,
        )];
        let body = voucher_of("2026-03-01", "x", Some(6), &entries);
        assert_eq!(body["voucherType"], json!({"id": 6}));
        assert_eq!(body["postings"][0]["row"], json!(1));
        assert_eq!(body["postings"][0]["account"], json!({"id": 41}));
        assert_eq!(body["postings"][0]["customer"], json!({"id": 3}));
        assert_eq!(body["postings"][0]["vatType"], json!({"id": 3}));
    }

    #[test]
    fn an_update_sends_back_generated_rows_that_are_dropped() {
        let stored: Map<String, Value> =
            serde_json::from_value(json!({"postings": [{"id": 1}, {"id": 2, "systemGenerated": true}]})).unwrap();
        let mut sent: Map<String, Value> =
            serde_json::from_value(json!({"postings": [{"id": 1}, {"id": 2}, {}]})).unwrap();
        without_generated_rows(&mut sent, &stored);
        assert_eq!(sent["postings"], json!([{"id": 1}, {}]));
    }

    #[test]
    fn the_opening_balance_of_a_result_account_starts_with_the_year() {
        assert_eq!(opening_balance(1920, 500.0, 100.0), 500.0);
        assert_eq!(opening_balance(3000, 500.0, 100.0), 100.0);
    }

    #[test]
    fn voucher_can_be_reversed_once() {
        assert!(voucher_can_be_reversed(1, &Map::new()).is_ok());
        let nulled: Map<String, Value> = serde_json::from_value(json!({"reverseVoucher": null})).unwrap();
        assert!(voucher_can_be_reversed(1, &nulled).is_ok());
        let reversed: Map<String, Value> = serde_json::from_value(json!({"reverseVoucher": {"id": 5}})).unwrap();
        assert!(voucher_can_be_reversed(1, &reversed).is_err());
    }

    #[test]
    fn a_reversal_turns_every_posting_round_and_keeps_its_account() {
        let voucher: Map<String, Value> = serde_json::from_value(json!({
            "date": "2026-01-01", "description": "Husleie",
            "postings": [
                {"id": 1, "account": {"id": 10}, "amountGross": 100.0, "amountGrossCurrency": 100.0, "row": 1},
                {"id": 2, "account": {"id": 11}, "amountGross": -100.0, "amountGrossCurrency": -100.0, "row": 2}
            ]
        }))
        .unwrap();
        let reversal = reversal_of(&voucher, "2026-02-01");
        assert_eq!(reversal["date"], "2026-02-01");
        assert_eq!(reversal["description"], "Reversering: Husleie");
        assert_eq!(
            reversal["postings"],
            json!([
                {"account": {"id": 10}, "amountGross": -100.0, "amountGrossCurrency": -100.0, "row": 1},
                {"account": {"id": 11}, "amountGross": 100.0, "amountGrossCurrency": 100.0, "row": 2}
            ])
        );
    }
}
