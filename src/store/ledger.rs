//! The ledger as the database keeps it: the `postings` rows triggers write from each voucher
//! (schema migration 16), read by filter and page, and their sums per account and day. Reads
//! only: a voucher is written as an object, and its postings follow in the same transaction.

use super::db::Db;
use rusqlite::params_from_iter;
use rusqlite::types::Value as Sql;
use std::collections::HashMap;

/// What a list of postings is narrowed to: a company's dates `from` (inclusive) to `to`
/// (exclusive), and the ids each named column must hold one of.
pub struct PostingFilter<'a> {
    pub company_id: i64,
    pub from: &'a str,
    pub to: &'a str,
    /// `(column, ids)`: `account_id`, `customer_id`, `supplier_id`, `employee_id`,
    /// `department_id`, `project_id`, `product_id` or a free dimension's value.
    pub columns: Vec<(PostingColumn, Vec<i64>)>,
}

/// The columns of `postings` a filter can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostingColumn {
    Account,
    Customer,
    Supplier,
    Employee,
    Department,
    Project,
    Product,
    /// The values of the free accounting dimensions 1–3 (`freeAccountingDimension1` …).
    Dimension1,
    Dimension2,
    Dimension3,
}

impl PostingColumn {
    fn sql(self) -> &'static str {
        match self {
            Self::Account => "account_id",
            Self::Customer => "customer_id",
            Self::Supplier => "supplier_id",
            Self::Employee => "employee_id",
            Self::Department => "department_id",
            Self::Project => "project_id",
            Self::Product => "product_id",
            Self::Dimension1 => "json_extract(body, '$.freeAccountingDimension1.id')",
            Self::Dimension2 => "json_extract(body, '$.freeAccountingDimension2.id')",
            Self::Dimension3 => "json_extract(body, '$.freeAccountingDimension3.id')",
        }
    }
}

/// One posting as stored: its voucher, its date and its JSON as the voucher holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PostingRow {
    pub voucher_id: i64,
    pub date: String,
    pub body: String,
}

/// One account's sums over a balance's dates: before `from` (all history, and from the start of
/// the year only) and from `from` to `to`, in the company's currency and in the postings' own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountSums {
    pub account_id: i64,
    pub before: f64,
    pub before_this_year: f64,
    pub during: f64,
    pub during_currency: f64,
}

fn condition(filter: &PostingFilter<'_>) -> (String, Vec<Sql>) {
    let mut sql = String::from("company_id = ?1 AND date >= ?2 AND date < ?3");
    let mut values = vec![
        Sql::Integer(filter.company_id),
        Sql::Text(filter.from.to_owned()),
        Sql::Text(filter.to.to_owned()),
    ];
    for (column, ids) in &filter.columns {
        if ids.is_empty() {
            sql.push_str(" AND 0");
            continue;
        }
        let marks: Vec<String> = ids
            .iter()
            .map(|id| {
                values.push(Sql::Integer(*id));
                format!("?{}", values.len())
            })
            .collect();
        sql.push_str(&format!(" AND {} IN ({})", column.sql(), marks.join(",")));
    }
    (sql, values)
}

fn posting_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PostingRow> {
    Ok(PostingRow {
        voucher_id: row.get(0)?,
        date: row.get(1)?,
        body: row.get(2)?,
    })
}

fn account_sums_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AccountSums> {
    Ok(AccountSums {
        account_id: row.get(0)?,
        before: row.get(1)?,
        before_this_year: row.get(2)?,
        during: row.get(3)?,
        during_currency: row.get(4)?,
    })
}

impl Db<'_> {
    /// The postings `filter` selects, in id order: how many there are, and those from `from`
    /// (`count` of them; all with `None`).
    pub fn postings(
        &self,
        filter: &PostingFilter<'_>,
        from: usize,
        count: Option<usize>,
    ) -> rusqlite::Result<(usize, Vec<PostingRow>)> {
        let (condition, mut values) = condition(filter);
        let total: i64 = self
            .conn()
            .prepare_cached(&format!("SELECT COUNT(*) FROM postings WHERE {condition}"))?
            .query_row(params_from_iter(values.iter()), |row| row.get(0))?;
        values.push(Sql::Integer(count.map_or(-1, |c| i64::try_from(c).unwrap_or(i64::MAX))));
        values.push(Sql::Integer(i64::try_from(from).unwrap_or(i64::MAX)));
        let (limit, offset) = (values.len() - 1, values.len());
        let mut statement = self.conn().prepare_cached(&format!(
            "SELECT voucher_id, date, body FROM postings WHERE {condition} ORDER BY id LIMIT ?{limit} OFFSET ?{offset}"
        ))?;
        let rows = statement.query_map(params_from_iter(values.iter()), posting_row)?;
        Ok((
            usize::try_from(total).unwrap_or_default(),
            rows.collect::<Result<_, _>>()?,
        ))
    }

    /// The open posts among the postings `filter` selects: those whose group — the same account,
    /// customer, supplier and invoice number — does not add up to zero, in id order.
    pub fn open_postings(&self, filter: &PostingFilter<'_>) -> rusqlite::Result<Vec<PostingRow>> {
        let (condition, values) = condition(filter);
        let mut statement = self.conn().prepare_cached(&format!(
            "WITH selected AS (
               SELECT id, voucher_id, date, body, amount, account_id, customer_id, supplier_id,
                      json_extract(body, '$.invoiceNumber') AS invoice
               FROM postings WHERE {condition}),
             open AS (
               SELECT account_id, customer_id, supplier_id, invoice FROM selected
               GROUP BY account_id, customer_id, supplier_id, invoice HAVING abs(TOTAL(amount)) >= 0.005)
             SELECT s.voucher_id, s.date, s.body FROM selected s JOIN open o
               ON s.account_id = o.account_id AND s.customer_id IS o.customer_id
              AND s.supplier_id IS o.supplier_id AND s.invoice IS o.invoice
             ORDER BY s.id"
        ))?;
        let rows = statement.query_map(params_from_iter(values.iter()), posting_row)?;
        rows.collect()
    }

    /// A company's posting by its id.
    pub fn posting(&self, company_id: i64, id: i64) -> rusqlite::Result<Option<PostingRow>> {
        use rusqlite::OptionalExtension;
        self.conn()
            .prepare_cached(
                "SELECT voucher_id, date, body FROM postings WHERE id = ?1 AND company_id = ?2 ORDER BY voucher_id LIMIT 1",
            )?
            .query_row(rusqlite::params![id, company_id], posting_row)
            .optional()
    }

    /// Each account's sums over the company's postings up to `to` (exclusive): before `from`,
    /// from `year_start` to `from`, and from `from` on. Each is a sum before a date, read from
    /// the sums per month before that date's month and per day within it.
    pub fn account_sums(
        &self,
        company_id: i64,
        (year_start, from, to): (&str, &str, &str),
    ) -> rusqlite::Result<Vec<AccountSums>> {
        let at_start = self.sums_before(company_id, year_start)?;
        let at_from = self.sums_before(company_id, from)?;
        let at_to = self.sums_before(company_id, to)?;
        let mut accounts: Vec<i64> = at_to.keys().chain(at_from.keys()).copied().collect();
        accounts.sort_unstable();
        accounts.dedup();
        let sum = |sums: &HashMap<i64, (f64, f64)>, account: i64| sums.get(&account).copied().unwrap_or_default();
        Ok(accounts
            .into_iter()
            .map(|account_id| {
                let (start, from, to) = (
                    sum(&at_start, account_id),
                    sum(&at_from, account_id),
                    sum(&at_to, account_id),
                );
                AccountSums {
                    account_id,
                    before: from.0,
                    before_this_year: from.0 - start.0,
                    during: to.0 - from.0,
                    during_currency: to.1 - from.1,
                }
            })
            .collect())
    }

    /// Each account's sum (in the company's currency and the postings' own) before `date`.
    fn sums_before(&self, company_id: i64, date: &str) -> rusqlite::Result<HashMap<i64, (f64, f64)>> {
        let month = date.get(..7).unwrap_or(date);
        let mut statement = self.conn().prepare_cached(
            "SELECT account_id, TOTAL(amount), TOTAL(amount_currency) FROM (
               SELECT account_id, amount, amount_currency FROM posting_months
                 WHERE company_id = ?1 AND month < ?2
               UNION ALL
               SELECT account_id, amount, amount_currency FROM posting_days
                 WHERE company_id = ?1 AND date >= ?2 AND date < ?3
             ) GROUP BY account_id",
        )?;
        let rows = statement.query_map(rusqlite::params![company_id, month, date], |row| {
            Ok((row.get(0)?, (row.get(1)?, row.get(2)?)))
        })?;
        rows.collect()
    }

    /// As [`account_sums`](Self::account_sums), over only the postings that also pass the
    /// filter's columns (a balance for one customer, project, …): read from the postings.
    pub fn account_sums_filtered(
        &self,
        filter: &PostingFilter<'_>,
        year_start: &str,
    ) -> rusqlite::Result<Vec<AccountSums>> {
        let narrowed = PostingFilter {
            company_id: filter.company_id,
            from: "",
            to: filter.to,
            columns: filter.columns.clone(),
        };
        let (condition, mut values) = condition(&narrowed);
        values.push(Sql::Text(filter.from.to_owned()));
        values.push(Sql::Text(year_start.to_owned()));
        let (from, start) = (values.len() - 1, values.len());
        let mut statement = self.conn().prepare_cached(&format!(
            "SELECT account_id,
                    TOTAL(CASE WHEN date < ?{from} THEN amount END),
                    TOTAL(CASE WHEN date >= ?{start} AND date < ?{from} THEN amount END),
                    TOTAL(CASE WHEN date >= ?{from} THEN amount END),
                    TOTAL(CASE WHEN date >= ?{from} THEN amount_currency END)
             FROM postings WHERE {condition} GROUP BY account_id ORDER BY account_id"
        ))?;
        let rows = statement.query_map(params_from_iter(values.iter()), account_sums_row)?;
        rows.collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Store, StoredObject};
    use serde_json::json;

    fn voucher(id: i64, date: &str, postings: &[(i64, f64)]) -> StoredObject {
        let postings: Vec<_> = postings
            .iter()
            .enumerate()
            .map(|(row, (account, amount))| json!({"id": id * 10 + row as i64, "account": {"id": account}, "amount": amount}))
            .collect();
        StoredObject {
            id,
            company_id: 7,
            version: 0,
            body: serde_json::from_value(json!({"date": date, "postings": postings})).unwrap(),
            changes: vec![],
        }
    }

    /// The sums per month and day give what adding up every posting gives, at dates inside a
    /// month and at its edges, and follow a voucher changed and deleted.
    #[test]
    fn account_sums_are_the_postings_added_up_at_any_date() {
        let store = Store::open_in_memory().unwrap();
        store
            .with(|db| {
                db.insert_object(
                    "ledger/voucher",
                    &voucher(1, "2025-12-31", &[(1920, 100.0), (3000, -100.0)]),
                )?;
                db.insert_object(
                    "ledger/voucher",
                    &voucher(2, "2026-01-15", &[(1920, 40.0), (3000, -40.0)]),
                )?;
                db.insert_object(
                    "ledger/voucher",
                    &voucher(3, "2026-02-01", &[(1920, 7.0), (3000, -7.0)]),
                )?;
                db.insert_object(
                    "ledger/voucher",
                    &voucher(4, "2026-02-20", &[(1920, 3.0), (3000, -3.0)]),
                )?;
                let sums = db.account_sums(7, ("2026-01-01", "2026-01-16", "2026-02-20"))?;
                let bank = sums.iter().find(|s| s.account_id == 1920).unwrap();
                assert_eq!((bank.before, bank.before_this_year, bank.during), (140.0, 40.0, 7.0));
                db.update_object(
                    "ledger/voucher",
                    &voucher(2, "2026-01-15", &[(1920, 50.0), (3000, -50.0)]),
                )?;
                db.delete_object("ledger/voucher", 3)?;
                let sums = db.account_sums(7, ("2026-01-01", "2026-01-15", "2026-03-01"))?;
                let bank = sums.iter().find(|s| s.account_id == 1920).unwrap();
                assert_eq!((bank.before, bank.before_this_year, bank.during), (100.0, 0.0, 53.0));
                let (count, rows) = db.postings(
                    &super::PostingFilter {
                        company_id: 7,
                        from: "2026-01-01",
                        to: "2027-01-01",
                        columns: vec![],
                    },
                    0,
                    None,
                )?;
                assert_eq!((count, rows.len()), (4, 4));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }
}
