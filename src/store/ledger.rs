//! The ledger as the database keeps it: the `postings` rows triggers write from each voucher
//! (schema migration 16), read by filter and page, and their sums per account and day. Reads
//! only: a voucher is written as an object, and its postings follow in the same transaction.

use super::queries::Db;
use rusqlite::params_from_iter;
use rusqlite::types::Value as Sql;

/// What a list of postings is narrowed to: a company's dates `from` (inclusive) to `to`
/// (exclusive), and the ids each named column must hold one of.
pub struct PostingFilter<'a> {
    pub company_id: i64,
    pub from: &'a str,
    pub to: &'a str,
    /// `(column, ids)`: `account_id`, `customer_id`, `supplier_id`, `employee_id`,
    /// `department_id`, `project_id` or `product_id`.
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
    /// from `year_start` to `from`, and from `from` on. Read from the sums per day.
    pub fn account_sums(
        &self,
        company_id: i64,
        (year_start, from, to): (&str, &str, &str),
    ) -> rusqlite::Result<Vec<AccountSums>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT account_id,
                    TOTAL(CASE WHEN date < ?2 THEN amount END),
                    TOTAL(CASE WHEN date >= ?4 AND date < ?2 THEN amount END),
                    TOTAL(CASE WHEN date >= ?2 THEN amount END),
                    TOTAL(CASE WHEN date >= ?2 THEN amount_currency END)
             FROM posting_days WHERE company_id = ?1 AND date < ?3 GROUP BY account_id ORDER BY account_id",
        )?;
        let rows = statement.query_map(rusqlite::params![company_id, from, to, year_start], account_sums_row)?;
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
