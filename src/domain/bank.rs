//! Bank statements as banks export them: the CSV formats `POST /bank/statement/import` reads,
//! each with the columns Tripletex requires of it, turned into dated, signed transactions.

use crate::domain::denial::{Denial, DenialKind, Rule};

/// Where a format keeps what a transaction needs.
struct Format {
    name: &'static str,
    /// Every column the file must have, in the order the refusal lists them.
    columns: &'static [&'static str],
    date: &'static str,
    text: &'static str,
    amount: Amount,
    /// The columns holding the balance before and after the statement, if the format has them.
    balances: Option<(&'static str, &'static str)>,
}

/// How a format gives a transaction's amount.
enum Amount {
    /// One signed column.
    Signed(&'static str),
    /// Money out and money in, each positive.
    OutIn(&'static str, &'static str),
}

/// The formats the emulator reads; their columns are those Tripletex asks for when a file lacks them.
const FORMATS: &[Format] = &[
    Format {
        name: "DNB_CSV",
        columns: &[
            "Konto",
            "Kontonavn",
            "Inngående saldo",
            "Utgående saldo",
            "Bokført dato",
            "Forklarende tekst",
            "Ut",
            "Inn",
        ],
        date: "Bokført dato",
        text: "Forklarende tekst",
        amount: Amount::OutIn("Ut", "Inn"),
        balances: Some(("Inngående saldo", "Utgående saldo")),
    },
    Format {
        name: "DANSKE_BANK_CSV",
        columns: &[
            "Bokført dato",
            "Rentedato",
            "Tekst",
            "Beløp i NOK",
            "Bokført saldo i NOK",
            "Status",
        ],
        date: "Bokført dato",
        text: "Tekst",
        amount: Amount::Signed("Beløp i NOK"),
        balances: None,
    },
    Format {
        name: "TRANSFERWISE",
        columns: &["TransferWise ID", "Date", "Amount", "Currency", "Description"],
        date: "Date",
        text: "Description",
        amount: Amount::Signed("Amount"),
        balances: None,
    },
];

/// The file formats this emulator can read.
pub fn readable_formats() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.name).collect()
}

/// One line of a statement: its date (YYYY-MM-DD), its text and its amount (in is positive).
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    pub date: String,
    pub description: String,
    pub amount: f64,
}

/// A statement read from a file: its lines and the balance before and after them.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub transactions: Vec<Transaction>,
    pub opening_balance: f64,
    pub closing_balance: f64,
}

/// The refusal of a file that is not what its format says.
fn unreadable(reason: String, message: &str) -> Denial {
    Denial::new(DenialKind::Invalid, Rule::Unreadable, reason)
        .remedy("send the bank's own CSV export in the fileFormat it names, as a multipart part named file.")
        .unnamed(message)
}

/// An amount as banks write it: `1 234,56`, `1234.56`, `-87,5`.
fn amount_of(text: &str) -> Option<f64> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    let normal = match (compact.contains(','), compact.contains('.')) {
        (true, true) => compact.replace('.', "").replace(',', "."),
        (true, false) => compact.replace(',', "."),
        _ => compact,
    };
    match normal.is_empty() {
        true => Some(0.0),
        false => normal.parse().ok(),
    }
}

/// A date as banks write it (`31.01.2026` or `2026-01-31`), as YYYY-MM-DD.
fn date_of(text: &str) -> Option<String> {
    let text = text.trim();
    let iso = match text.split('.').collect::<Vec<_>>()[..] {
        [day, month, year] if year.len() == 4 => format!("{year}-{month:0>2}-{day:0>2}"),
        _ => text.get(..10)?.to_owned(),
    };
    iso.parse::<jiff::civil::Date>().ok().map(|d| d.to_string())
}

/// Reads `file` as a statement in `format`, or says what is wrong with it.
pub fn statement_can_be_read(format: &str, file: &str) -> Result<Statement, Denial> {
    let Some(format) = FORMATS.iter().find(|f| f.name == format) else {
        return Err(unreadable(
            format!(
                "The emulator does not read bank statements in {format}; it reads {}.",
                readable_formats().join(", ")
            ),
            "Filformatet støttes ikke.",
        ));
    };
    let (mut reader, headers) = reader_of(format, file)?;
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap_or_default();
    let mut statement = Statement {
        transactions: Vec::new(),
        opening_balance: 0.0,
        closing_balance: 0.0,
    };
    let mut balances = None;
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            unreadable(
                format!("Line {} of the file is not CSV: {e}.", line + 2),
                "Filen kunne ikke leses.",
            )
        })?;
        let cell = |name: &str| record.get(at(name)).unwrap_or_default().trim();
        let Some(transaction) = transaction_of(format, &cell, line)? else {
            continue;
        };
        if let (None, Some((opening, closing))) = (balances, format.balances) {
            balances = amount_of(cell(opening)).zip(amount_of(cell(closing)));
        }
        statement.transactions.push(transaction);
    }
    let moved: f64 = statement.transactions.iter().map(|t| t.amount).sum();
    let (opening, closing) = balances.unwrap_or((0.0, moved));
    statement.opening_balance = super::ledger::round(opening);
    statement.closing_balance = super::ledger::round(closing);
    Ok(statement)
}

/// A CSV reader over the file (its delimiter guessed from the header line) and its column
/// names; refused when a column of the format is missing.
fn reader_of<'f>(format: &Format, file: &'f str) -> Result<(csv::Reader<&'f [u8]>, Vec<String>), Denial> {
    let file = file.trim_start_matches('\u{feff}');
    let header = file.lines().next().unwrap_or_default();
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| header.matches(char::from(*d)).count())
        .unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(file.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default();
    let missing = format.columns.iter().any(|c| !headers.iter().any(|h| h == c));
    if missing {
        return Err(unreadable(
            format!(
                "A {} file must have the columns {}.",
                format.name,
                format.columns.join(", ")
            ),
            &format!("Filen må inneholde følgende kolonner: {}", format.columns.join(", ")),
        ));
    }
    Ok((reader, headers))
}

/// One line's transaction (None for a line without a date), `cell` giving its columns by name.
fn transaction_of<'c>(
    format: &Format,
    cell: &impl Fn(&str) -> &'c str,
    line: usize,
) -> Result<Option<Transaction>, Denial> {
    let wrong = |what: &str| {
        unreadable(
            format!("Line {}: {what} {:?} cannot be read.", line + 2, cell(what)),
            "Filen kunne ikke leses.",
        )
    };
    if cell(format.date).is_empty() {
        return Ok(None);
    }
    let date = date_of(cell(format.date)).ok_or_else(|| wrong(format.date))?;
    let amount = match format.amount {
        Amount::Signed(column) => amount_of(cell(column)).ok_or_else(|| wrong(column))?,
        Amount::OutIn(out, into) => {
            let (out_amount, in_amount) = (
                amount_of(cell(out)).ok_or_else(|| wrong(out))?,
                amount_of(cell(into)).ok_or_else(|| wrong(into))?,
            );
            in_amount - out_amount.abs()
        }
    };
    Ok(Some(Transaction {
        date,
        description: cell(format.text).to_owned(),
        amount,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_can_be_read() {
        let dnb = "Konto;Kontonavn;Inngående saldo;Utgående saldo;Bokført dato;Forklarende tekst;Ut;Inn\n\
                   12345678903;Drift;10 000,00;12 400,00;05.01.2026;Innbetaling faktura 1;;2 500,00\n\
                   12345678903;Drift;10 000,00;12 400,00;07.01.2026;Bankgebyr;100,00;\n";
        let read = super::statement_can_be_read("DNB_CSV", dnb).unwrap();
        assert_eq!(read.transactions.len(), 2);
        assert_eq!(
            read.transactions[0],
            Transaction {
                date: "2026-01-05".into(),
                description: "Innbetaling faktura 1".into(),
                amount: 2500.0
            }
        );
        assert_eq!(read.transactions[1].amount, -100.0);
        assert_eq!((read.opening_balance, read.closing_balance), (10000.0, 12400.0));

        let refused = super::statement_can_be_read("DNB_CSV", "Dato,Tekst,Beløp\n2026-01-05,x,1\n").unwrap_err();
        assert!(
            refused.fields[0]
                .message
                .starts_with("Filen må inneholde følgende kolonner: Konto, Kontonavn")
        );
        assert!(super::statement_can_be_read("ZTL", dnb).is_err());
        let bad_date = dnb.replace("05.01.2026", "5th January");
        assert!(super::statement_can_be_read("DNB_CSV", &bad_date).is_err());
    }

    #[test]
    fn amounts_and_dates_are_read_as_banks_write_them() {
        assert_eq!(amount_of("1 234,56"), Some(1234.56));
        assert_eq!(amount_of("-1.234,50"), Some(-1234.5));
        assert_eq!(amount_of("99.9"), Some(99.9));
        assert_eq!(amount_of(""), Some(0.0));
        assert_eq!(amount_of("abc"), None);
        assert_eq!(date_of("1.2.2026").as_deref(), Some("2026-02-01"));
        assert_eq!(date_of("2026-02-01 10:00:00").as_deref(), Some("2026-02-01"));
        assert_eq!(date_of("31.02.2026"), None);
    }
}
