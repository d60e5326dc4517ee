//! The database schema and its migrations, versioned with `PRAGMA user_version`.

use rusqlite::Connection;

/// The rows of `postings` a voucher row `NEW` holds (in a trigger; elsewhere `NEW` is a table
/// named first, as `$voucher_table`): one per posting of its body, dated by the
/// voucher where the posting names no date of its own, with what the ledger's filters read.
macro_rules! post_voucher_rows {
    ($voucher_table:literal) => {
        concat!(
            "SELECT NEW.company_id, NEW.id, COALESCE(json_extract(p.value, '$.id'), 0),
           COALESCE(NULLIF(json_extract(p.value, '$.date'), ''), json_extract(NEW.body, '$.date'), ''),
           COALESCE(json_extract(p.value, '$.account.id'), 0),
           COALESCE(json_extract(p.value, '$.amount'), json_extract(p.value, '$.amountGross'), 0),
           COALESCE(json_extract(p.value, '$.amountCurrency'), json_extract(p.value, '$.amountGrossCurrency'), 0),
           json_extract(p.value, '$.customer.id'), json_extract(p.value, '$.supplier.id'),
           json_extract(p.value, '$.employee.id'), json_extract(p.value, '$.department.id'),
           json_extract(p.value, '$.project.id'), json_extract(p.value, '$.product.id'), p.value
         FROM ",
            $voucher_table,
            " json_each(NEW.body, '$.postings') p WHERE p.type = 'object'"
        )
    };
}

/// The statement a trigger posts a voucher's postings with.
macro_rules! post_voucher {
    () => {
        concat!(
            "INSERT INTO postings(company_id, voucher_id, id, date, account_id, amount, amount_currency,
               customer_id, supplier_id, employee_id, department_id, project_id, product_id, body) ",
            post_voucher_rows!("")
        )
    };
}

/// The triggers that move the store's generation on (see `store::remembered`) at every row
/// inserted into, updated in or deleted from each table named: the tables of the access world.
macro_rules! moves_generation {
    ($($table:literal),*) => {
        concat!($(
            "CREATE TRIGGER ", $table, "_moves_generation_in AFTER INSERT ON ", $table,
            " BEGIN UPDATE generation SET value = value + 1; END;\n",
            "CREATE TRIGGER ", $table, "_moves_generation_on AFTER UPDATE ON ", $table,
            " BEGIN UPDATE generation SET value = value + 1; END;\n",
            "CREATE TRIGGER ", $table, "_moves_generation_out AFTER DELETE ON ", $table,
            " BEGIN UPDATE generation SET value = value + 1; END;\n",
        )*)
    };
}

/// Each entry migrates the schema from version `index` to `index + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    organization_number TEXT NOT NULL,
    kind TEXT NOT NULL,
    package TEXT NOT NULL,
    integrations_enabled INTEGER NOT NULL,
    company_type TEXT NOT NULL,
    email TEXT NOT NULL
);
CREATE TABLE accountant_relations (
    office_id INTEGER NOT NULL REFERENCES companies(id),
    client_id INTEGER NOT NULL REFERENCES companies(id),
    api_access INTEGER NOT NULL,
    office_is_admin INTEGER NOT NULL,
    PRIMARY KEY (office_id, client_id)
) WITHOUT ROWID;
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    is_contact INTEGER NOT NULL,
    is_proxy INTEGER NOT NULL,
    proxy_for_office INTEGER REFERENCES companies(id),
    user_type TEXT NOT NULL,
    roles TEXT NOT NULL,
    entitlements TEXT NOT NULL,
    client_entitlements TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX people_proxy ON people(company_id, proxy_for_office) WHERE is_proxy = 1;
CREATE TABLE integrations (
    id INTEGER PRIMARY KEY,
    application_name TEXT NOT NULL,
    consumer_token TEXT NOT NULL UNIQUE,
    emails TEXT NOT NULL,
    in_catalog INTEGER NOT NULL,
    supports_accountant_keys INTEGER NOT NULL,
    may_create_employee_tokens INTEGER NOT NULL
);
CREATE TABLE keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people(id),
    company_id INTEGER NOT NULL REFERENCES companies(id),
    integration_id INTEGER REFERENCES integrations(id),
    application_name TEXT NOT NULL,
    accesses TEXT NOT NULL,
    accountant_key INTEGER NOT NULL,
    token TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    regenerated_at TEXT
);
CREATE TABLE retired_tokens (
    token TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES keys(id),
    retired_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE client_key_links (
    key_id INTEGER NOT NULL REFERENCES keys(id),
    client_id INTEGER NOT NULL REFERENCES companies(id),
    accesses TEXT NOT NULL,
    -- Linked after the key's token was made, while links are snapshotted at (re)generation:
    -- shown under Klient > Tilganger but not effective until «Gjenopprett nøkkel».
    pending INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, client_id)
) WITHOUT ROWID;
-- Data objects of the emulated resources (customer, product, …): one JSON body per object.
-- company_id 0 holds reference data shared by every company.
CREATE TABLE objects (
    resource TEXT NOT NULL,
    id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    changes TEXT NOT NULL,
    PRIMARY KEY (resource, id)
) WITHOUT ROWID;
CREATE INDEX objects_by_company ON objects(resource, company_id);
-- Sales modules a company ordered through POST /company/salesmodules (its package and the
-- Integrations module are kept on the company itself).
CREATE TABLE company_modules (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL,
    cost_start_date TEXT NOT NULL,
    PRIMARY KEY (company_id, name)
) WITHOUT ROWID;
CREATE TABLE company_integrations (
    company_id INTEGER NOT NULL REFERENCES companies(id),
    integration_id INTEGER NOT NULL REFERENCES integrations(id),
    PRIMARY KEY (company_id, integration_id)
) WITHOUT ROWID;
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    key_id INTEGER NOT NULL REFERENCES keys(id),
    integration_id INTEGER NOT NULL REFERENCES integrations(id),
    expiration_date TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
"#,
    r#"
-- The number a numbered resource counts up (customerNumber, invoiceNumber, …), so the next one
-- is found from an index instead of by reading every object's body.
ALTER TABLE objects ADD COLUMN number INTEGER;
CREATE INDEX objects_by_number ON objects(resource, company_id, number);
"#,
    r#"
-- isInactive, the filter every list applies by default, kept beside the body so a list counts
-- and pages from an index instead of reading every body.
ALTER TABLE objects ADD COLUMN inactive INTEGER;
UPDATE objects SET inactive = CASE json_type(body, '$.isInactive') WHEN 'true' THEN 1 WHEN 'false' THEN 0 END;
CREATE INDEX objects_by_inactive ON objects(resource, company_id, inactive, id, version);
"#,
    r#"
-- Whether a session was ever used to call the API: when a sandbox holds more sessions than it
-- keeps, it forgets the ones minted and never used first.
ALTER TABLE sessions ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
-- Ledger accounts by their number: a new customer or supplier is given its default account
-- (1500, 2400) on every create, which must not read the whole chart of accounts.
CREATE INDEX objects_by_account_number ON objects(company_id, json_extract(body, '$.number'))
    WHERE resource = 'ledger/account';
"#,
    r#"
-- Pruning sessions (every 1,024 mints) finds the long-expired and the oldest unused ones from
-- indexes instead of sorting every session.
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
CREATE INDEX sessions_by_use ON sessions(used, id);
"#,
    r#"
-- Objects of the shared seed template (see `store::template`) this sandbox changed or deleted:
-- its own row in `objects` (if any) is the one that counts, the template's is hidden.
CREATE TABLE objects_shadowed (
    resource TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (resource, id)
) WITHOUT ROWID;
"#,
    r#"
-- How many objects of a resource a company holds itself, by isInactive (-1 where it has none),
-- kept by triggers: a list's fullResultSize is read from here instead of counted over an index,
-- so a list costs the same at 10,000 objects as at 10.
CREATE TABLE object_counts (
    resource TEXT NOT NULL,
    company_id INTEGER NOT NULL,
    inactive INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (resource, company_id, inactive)
) WITHOUT ROWID;
INSERT INTO object_counts(resource, company_id, inactive, n)
    SELECT resource, company_id, COALESCE(inactive, -1), COUNT(*) FROM objects GROUP BY 1, 2, 3;
CREATE TRIGGER objects_counted_in AFTER INSERT ON objects BEGIN
    INSERT INTO object_counts(resource, company_id, inactive, n)
        VALUES (NEW.resource, NEW.company_id, COALESCE(NEW.inactive, -1), 1)
        ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER objects_counted_out AFTER DELETE ON objects BEGIN
    UPDATE object_counts SET n = n - 1
        WHERE resource = OLD.resource AND company_id = OLD.company_id AND inactive = COALESCE(OLD.inactive, -1);
END;
CREATE TRIGGER objects_counted_moved AFTER UPDATE OF resource, company_id, inactive ON objects
    WHEN OLD.resource IS NOT NEW.resource OR OLD.company_id IS NOT NEW.company_id OR OLD.inactive IS NOT NEW.inactive
BEGIN
    UPDATE object_counts SET n = n - 1
        WHERE resource = OLD.resource AND company_id = OLD.company_id AND inactive = COALESCE(OLD.inactive, -1);
    INSERT INTO object_counts(resource, company_id, inactive, n)
        VALUES (NEW.resource, NEW.company_id, COALESCE(NEW.inactive, -1), 1)
        ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 1;
END;
"#,
    // 9: each object's default-fields rendering, made when it is written (the API base left as
    // a mark): a list with the default fields copies it instead of parsing the body. NULL where
    // nothing rendered it (seed data, imported worlds, rows of older builds): read from the body.
    r#"
ALTER TABLE objects ADD COLUMN view TEXT;
"#,
    // 10: ledger accounts by the number column (filled for accounts from their body when they
    // are written, as for numbered resources) instead of an index over `json_extract(body, …)`,
    // which parsed every account's body again as it was stored (a sixth of building a seed
    // template). Only integers, as the expression index compared them.
    r#"
UPDATE objects SET number = CASE json_type(body, '$.number') WHEN 'integer' THEN json_extract(body, '$.number') END
    WHERE resource = 'ledger/account';
DROP INDEX objects_by_account_number;
CREATE INDEX objects_by_account_number ON objects(company_id, number) WHERE resource = 'ledger/account';
"#,
    // 11: sessions found by the id their token carries (`tokenId`, see `domain::token`) and then
    // compared whole, instead of through a UNIQUE index over the random token. That index took
    // each new session to a random place in a B-tree (a page split every few sessions): most of
    // minting one, and ~120 bytes of every session kept. Ids are unique, so tokens stay unique.
    r#"
CREATE TABLE sessions_by_id (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL,
    key_id INTEGER NOT NULL REFERENCES keys(id),
    integration_id INTEGER NOT NULL REFERENCES integrations(id),
    expiration_date TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sessions_by_id(id, token, key_id, integration_id, expiration_date, expires_at, deleted, used)
    SELECT id, token, key_id, integration_id, expiration_date, expires_at, deleted, used FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_by_id RENAME TO sessions;
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
CREATE INDEX sessions_by_use ON sessions(used, id);
"#,
    // 12: a company's objects of a resource are found through `objects_by_inactive` or
    // `objects_by_number`, which begin with the same two columns: a third index of them only made
    // every object written (and every seed template built) update one B-tree more.
    r#"
DROP INDEX objects_by_company;
"#,
    // 13: `objects` as a rowid table. A row (body, change log, view: a few kilobytes) overflows
    // its page, and in a table WITHOUT ROWID every key comparison on a leaf page read such a row
    // whole, overflow pages and all, into a buffer first: most of writing one object, and of
    // reading a page of them by key. Now the key is looked up in an index of small entries and
    // the row found by its rowid, compared as an integer.
    r#"
CREATE TABLE objects_by_rowid (
    resource TEXT NOT NULL,
    id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    changes TEXT NOT NULL,
    number INTEGER,
    inactive INTEGER,
    view TEXT,
    PRIMARY KEY (resource, id)
);
INSERT INTO objects_by_rowid(resource, id, company_id, version, body, changes, number, inactive, view)
    SELECT resource, id, company_id, version, body, changes, number, inactive, view FROM objects;
DROP TABLE objects;
ALTER TABLE objects_by_rowid RENAME TO objects;
CREATE INDEX objects_by_number ON objects(resource, company_id, number);
CREATE INDEX objects_by_inactive ON objects(resource, company_id, inactive, id, version);
CREATE INDEX objects_by_account_number ON objects(company_id, number) WHERE resource = 'ledger/account';
CREATE TRIGGER objects_counted_in AFTER INSERT ON objects BEGIN
    INSERT INTO object_counts(resource, company_id, inactive, n)
        VALUES (NEW.resource, NEW.company_id, COALESCE(NEW.inactive, -1), 1)
        ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER objects_counted_out AFTER DELETE ON objects BEGIN
    UPDATE object_counts SET n = n - 1
        WHERE resource = OLD.resource AND company_id = OLD.company_id AND inactive = COALESCE(OLD.inactive, -1);
END;
CREATE TRIGGER objects_counted_moved AFTER UPDATE OF resource, company_id, inactive ON objects
    WHEN OLD.resource IS NOT NEW.resource OR OLD.company_id IS NOT NEW.company_id OR OLD.inactive IS NOT NEW.inactive
BEGIN
    UPDATE object_counts SET n = n - 1
        WHERE resource = OLD.resource AND company_id = OLD.company_id AND inactive = COALESCE(OLD.inactive, -1);
    INSERT INTO object_counts(resource, company_id, inactive, n)
        VALUES (NEW.resource, NEW.company_id, COALESCE(NEW.inactive, -1), 1)
        ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 1;
END;
"#,
    // 14: `view` ahead of `body`. SQLite reads a row's columns in order and `body` (a few
    // kilobytes) spills onto overflow pages, so a default-fields list, which reads only `view`,
    // walked body's whole overflow chain to reach it on every row. Now it stops at `view`; the
    // columns a write names are the same.
    r#"
CREATE TABLE objects_view_first (
    resource TEXT NOT NULL,
    id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    number INTEGER,
    inactive INTEGER,
    view TEXT,
    body TEXT NOT NULL,
    changes TEXT NOT NULL,
    PRIMARY KEY (resource, id)
);
INSERT INTO objects_view_first(resource, id, company_id, version, number, inactive, view, body, changes)
    SELECT resource, id, company_id, version, number, inactive, view, body, changes FROM objects;
DROP TABLE objects;
ALTER TABLE objects_view_first RENAME TO objects;
CREATE INDEX objects_by_number ON objects(resource, company_id, number);
CREATE INDEX objects_by_inactive ON objects(resource, company_id, inactive, id, version);
CREATE INDEX objects_by_account_number ON objects(company_id, number) WHERE resource = 'ledger/account';
CREATE TRIGGER objects_counted_in AFTER INSERT ON objects BEGIN
    INSERT INTO object_counts(resource, company_id, inactive, n)
        VALUES (NEW.resource, NEW.company_id, COALESCE(NEW.inactive, -1), 1)
        ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER objects_counted_out AFTER DELETE ON objects BEGIN
    UPDATE object_counts SET n = n - 1
        WHERE resource = OLD.resource AND company_id = OLD.company_id AND inactive = COALESCE(OLD.inactive, -1);
END;
CREATE TRIGGER objects_counted_moved AFTER UPDATE OF resource, company_id, inactive ON objects
    WHEN OLD.resource IS NOT NEW.resource OR OLD.company_id IS NOT NEW.company_id OR OLD.inactive IS NOT NEW.inactive
BEGIN
    UPDATE object_counts SET n = n - 1
        WHERE resource = OLD.resource AND company_id = OLD.company_id AND inactive = COALESCE(OLD.inactive, -1);
    INSERT INTO object_counts(resource, company_id, inactive, n)
        VALUES (NEW.resource, NEW.company_id, COALESCE(NEW.inactive, -1), 1)
        ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 1;
END;
"#,
    // 15: what an employee write carries besides names, e-mail and rights (date of birth, phone
    // numbers, national id, bank account, department, …), as the JSON object the API shows.
    r#"
ALTER TABLE people ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
"#,
    // 16: the ledger. Every posting of every voucher, one row each, kept by triggers in the
    // transaction that writes the voucher (whatever writes it: an API call, a scenario, a state
    // import), so `/ledger/posting` reads one account's date range through an index instead of
    // every voucher's body. `posting_months` and `posting_days` sum them per company, month (or
    // day) and account, so a balance before a date reads one row per account and month before
    // that date's month and one per account and day within it, however many postings there are.
    concat!(
        r#"
CREATE TABLE postings (
    company_id INTEGER NOT NULL,
    voucher_id INTEGER NOT NULL,
    id INTEGER NOT NULL,
    date TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    amount REAL NOT NULL,
    amount_currency REAL NOT NULL,
    customer_id INTEGER,
    supplier_id INTEGER,
    employee_id INTEGER,
    department_id INTEGER,
    project_id INTEGER,
    product_id INTEGER,
    body TEXT NOT NULL
);
CREATE INDEX postings_by_account ON postings(company_id, account_id, date, id);
CREATE INDEX postings_by_date ON postings(company_id, date, id);
CREATE INDEX postings_by_id ON postings(id);
CREATE INDEX postings_by_voucher ON postings(voucher_id);
CREATE TABLE posting_days (
    company_id INTEGER NOT NULL,
    date TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    amount REAL NOT NULL,
    amount_currency REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (company_id, date, account_id)
) WITHOUT ROWID;
CREATE TABLE posting_months (
    company_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    amount REAL NOT NULL,
    amount_currency REAL NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (company_id, month, account_id)
) WITHOUT ROWID;
CREATE TRIGGER posting_counted_in AFTER INSERT ON postings BEGIN
    INSERT INTO posting_days(company_id, date, account_id, amount, amount_currency, n)
        VALUES (NEW.company_id, NEW.date, NEW.account_id, NEW.amount, NEW.amount_currency, 1)
        ON CONFLICT(company_id, date, account_id) DO UPDATE SET
            amount = amount + excluded.amount, amount_currency = amount_currency + excluded.amount_currency, n = n + 1;
    INSERT INTO posting_months(company_id, month, account_id, amount, amount_currency, n)
        VALUES (NEW.company_id, substr(NEW.date, 1, 7), NEW.account_id, NEW.amount, NEW.amount_currency, 1)
        ON CONFLICT(company_id, month, account_id) DO UPDATE SET
            amount = amount + excluded.amount, amount_currency = amount_currency + excluded.amount_currency, n = n + 1;
END;
CREATE TRIGGER posting_counted_out AFTER DELETE ON postings BEGIN
    UPDATE posting_days SET amount = amount - OLD.amount, amount_currency = amount_currency - OLD.amount_currency, n = n - 1
        WHERE company_id = OLD.company_id AND date = OLD.date AND account_id = OLD.account_id;
    DELETE FROM posting_days
        WHERE company_id = OLD.company_id AND date = OLD.date AND account_id = OLD.account_id AND n <= 0;
    UPDATE posting_months SET amount = amount - OLD.amount, amount_currency = amount_currency - OLD.amount_currency, n = n - 1
        WHERE company_id = OLD.company_id AND month = substr(OLD.date, 1, 7) AND account_id = OLD.account_id;
    DELETE FROM posting_months
        WHERE company_id = OLD.company_id AND month = substr(OLD.date, 1, 7) AND account_id = OLD.account_id AND n <= 0;
END;
CREATE TRIGGER voucher_posted AFTER INSERT ON objects WHEN NEW.resource = 'ledger/voucher' BEGIN
"#,
        post_voucher!(),
        r#";
END;
CREATE TRIGGER voucher_reposted AFTER UPDATE OF body ON objects WHEN NEW.resource = 'ledger/voucher' BEGIN
    DELETE FROM postings WHERE voucher_id = OLD.id;
"#,
        post_voucher!(),
        r#";
END;
CREATE TRIGGER voucher_unposted AFTER DELETE ON objects WHEN OLD.resource = 'ledger/voucher' BEGIN
    DELETE FROM postings WHERE voucher_id = OLD.id;
END;
INSERT INTO postings SELECT * FROM (WITH NEW AS (SELECT * FROM objects WHERE resource = 'ledger/voucher') "#,
        post_voucher_rows!("NEW,"),
        r#");
"#
    ),
    // 17: event subscriptions' outbox. `event_subscriptions` mirrors the subscription objects
    // (kept by triggers, whatever writes them; a delete and an insert rather than INSERT OR
    // REPLACE, whose conflict clause the upsert that saves an object would override), so a write finds in one index probe whether
    // anyone subscribes to its event; `outbox` holds the events a write emitted, in its
    // transaction; `webhook_deliveries` one row per event and subscription, made and worked off
    // the request path by the delivery worker. Times are sandbox-clock milliseconds.
    r#"
CREATE TABLE event_subscriptions (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    active INTEGER NOT NULL
);
CREATE INDEX event_subscriptions_by_event ON event_subscriptions(company_id, event, active);
CREATE TRIGGER subscription_made AFTER INSERT ON objects WHEN NEW.resource = 'event/subscription' BEGIN
    DELETE FROM event_subscriptions WHERE id = NEW.id;
    INSERT INTO event_subscriptions(id, company_id, event, active) VALUES (NEW.id, NEW.company_id,
        COALESCE(json_extract(NEW.body, '$.event'), ''), COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0));
END;
CREATE TRIGGER subscription_changed AFTER UPDATE OF body ON objects WHEN NEW.resource = 'event/subscription' BEGIN
    DELETE FROM event_subscriptions WHERE id = NEW.id;
    INSERT INTO event_subscriptions(id, company_id, event, active) VALUES (NEW.id, NEW.company_id,
        COALESCE(json_extract(NEW.body, '$.event'), ''), COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0));
END;
CREATE TRIGGER subscription_gone AFTER DELETE ON objects WHEN OLD.resource = 'event/subscription' BEGIN
    DELETE FROM event_subscriptions WHERE id = OLD.id;
    DELETE FROM webhook_deliveries WHERE subscription_id = OLD.id AND state = 'PENDING';
END;
INSERT INTO event_subscriptions(id, company_id, event, active)
    SELECT id, company_id, COALESCE(json_extract(body, '$.event'), ''), COALESCE(json_extract(body, '$.status') = 'ACTIVE', 0)
    FROM objects WHERE resource = 'event/subscription';
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    object_id INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    next_ms INTEGER,
    last_status INTEGER,
    last_error TEXT,
    latency_ms INTEGER,
    done_ms INTEGER
);
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries(subscription_id, object_id, id) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_ms, id) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(id) WHERE state != 'PENDING';
"#,
    // 18: the number of pending deliveries, kept by triggers whatever changes a delivery (the
    // worker, a redelivery, a subscription's delete), so the queue's bound is read in one row
    // instead of counted through the pending index on every pass of the worker.
    r#"
CREATE TABLE webhook_pending (n INTEGER NOT NULL);
INSERT INTO webhook_pending(n) SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'PENDING';
CREATE TRIGGER delivery_pending_made AFTER INSERT ON webhook_deliveries WHEN NEW.state = 'PENDING' BEGIN
    UPDATE webhook_pending SET n = n + 1;
END;
CREATE TRIGGER delivery_pending_gone AFTER DELETE ON webhook_deliveries WHEN OLD.state = 'PENDING' BEGIN
    UPDATE webhook_pending SET n = n - 1;
END;
CREATE TRIGGER delivery_pending_changed AFTER UPDATE OF state ON webhook_deliveries
    WHEN (OLD.state = 'PENDING') != (NEW.state = 'PENDING') BEGIN
    UPDATE webhook_pending SET n = n + (CASE WHEN NEW.state = 'PENDING' THEN 1 ELSE -1 END);
END;
"#,
    // 19: a stored `null` access grants nothing; the catalog keys older versions stored with
    // `null` (they meant everything their owner has) say so in words.
    r#"
UPDATE keys SET accesses = '"ALL"' WHERE accesses = 'null' AND integration_id IS NOT NULL;
"#,
    // 20: lazy deliveries. An event stays in the outbox and each subscription keeps `taken_seq`,
    // the last event it has taken; a delivery becomes a row only when it is attempted (or refused,
    // or held behind an earlier one of its object), so a write's event costs one row whatever
    // the number of subscribers. `webhook_pending.accounted` is the last event the worker has
    // counted into `n` (events past it may still be refused); `webhook_backlog` is every counted
    // event an active subscription has not taken yet. A subscription that leaves its stream
    // (made inactive, or its event or company changed) turns its backlog into pending rows, which
    // wait for it as before; coming back, it starts after the newest event.
    r#"
ALTER TABLE event_subscriptions ADD COLUMN taken_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN created_ms INTEGER;
ALTER TABLE webhook_deliveries ADD COLUMN seq INTEGER;
ALTER TABLE webhook_pending ADD COLUMN accounted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_by_event ON outbox(company_id, event, seq);
CREATE VIEW webhook_backlog AS
    SELECT s.id AS subscription_id, o.seq, o.company_id, o.event, o.object_id, o.created_ms
    FROM event_subscriptions s JOIN outbox o
        ON o.company_id = s.company_id AND o.event = s.event AND o.seq > s.taken_seq
    WHERE s.active AND o.seq <= (SELECT accounted FROM webhook_pending);
DROP TRIGGER subscription_made;
CREATE TRIGGER subscription_made AFTER INSERT ON objects WHEN NEW.resource = 'event/subscription' BEGIN
    DELETE FROM event_subscriptions WHERE id = NEW.id;
    INSERT INTO event_subscriptions(id, company_id, event, active, taken_seq) VALUES (NEW.id, NEW.company_id,
        COALESCE(json_extract(NEW.body, '$.event'), ''), COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0),
        (SELECT COALESCE(MAX(seq), 0) FROM outbox));
END;
DROP TRIGGER subscription_changed;
CREATE TRIGGER subscription_changed AFTER UPDATE OF body ON objects WHEN NEW.resource = 'event/subscription' BEGIN
    UPDATE webhook_pending SET n = n - (SELECT COUNT(*) FROM webhook_backlog b JOIN event_subscriptions s ON s.id = b.subscription_id
        WHERE b.subscription_id = NEW.id AND NOT (s.company_id = NEW.company_id
            AND s.event = COALESCE(json_extract(NEW.body, '$.event'), '') AND COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0)));
    INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, next_ms, seq)
        SELECT b.subscription_id, b.company_id, b.event, b.object_id, 'PENDING', 0, COALESCE(b.created_ms, 0), COALESCE(b.created_ms, 0), b.seq
        FROM webhook_backlog b JOIN event_subscriptions s ON s.id = b.subscription_id
        WHERE b.subscription_id = NEW.id AND NOT (s.company_id = NEW.company_id
            AND s.event = COALESCE(json_extract(NEW.body, '$.event'), '') AND COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0))
        ORDER BY b.seq;
    UPDATE event_subscriptions SET company_id = NEW.company_id, event = COALESCE(json_extract(NEW.body, '$.event'), ''),
        active = COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0),
        taken_seq = CASE WHEN active AND company_id = NEW.company_id AND event = COALESCE(json_extract(NEW.body, '$.event'), '')
            AND COALESCE(json_extract(NEW.body, '$.status') = 'ACTIVE', 0) THEN taken_seq ELSE (SELECT COALESCE(MAX(seq), 0) FROM outbox) END
    WHERE id = NEW.id;
END;
DROP TRIGGER subscription_gone;
CREATE TRIGGER subscription_gone AFTER DELETE ON objects WHEN OLD.resource = 'event/subscription' BEGIN
    UPDATE webhook_pending SET n = n - (SELECT COUNT(*) FROM webhook_backlog WHERE subscription_id = OLD.id);
    DELETE FROM event_subscriptions WHERE id = OLD.id;
    DELETE FROM webhook_deliveries WHERE subscription_id = OLD.id AND state = 'PENDING';
END;
"#,
    // 21: the generation every remembered answer is checked against, moved on by triggers in the
    // transaction of each write to the access world, whichever connection makes it. A session
    // minted or first used changes nothing remembered; one deleted or ended does.
    concat!(
        "CREATE TABLE generation (value INTEGER NOT NULL);
INSERT INTO generation(value) VALUES (0);
CREATE TRIGGER sessions_move_generation_out AFTER DELETE ON sessions BEGIN UPDATE generation SET value = value + 1; END;
CREATE TRIGGER sessions_move_generation_on AFTER UPDATE OF deleted ON sessions BEGIN UPDATE generation SET value = value + 1; END;
",
        moves_generation!(
            "meta",
            "companies",
            "accountant_relations",
            "people",
            "integrations",
            "keys",
            "retired_tokens",
            "client_key_links",
            "company_modules",
            "company_integrations"
        )
    ),
];

/// The schema of a seed template: the `objects` table as the migrations above leave it, with the
/// same indexes, so one query reads a sandbox's own objects and the template's alike.
pub(crate) const TEMPLATE_TABLE: &str = r#"
CREATE TABLE objects (
    resource TEXT NOT NULL,
    id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    number INTEGER,
    inactive INTEGER,
    view TEXT,
    body TEXT NOT NULL,
    changes TEXT NOT NULL,
    PRIMARY KEY (resource, id)
);
"#;

/// The template's indexes, made once its rows are in (an index built from the rows at once is
/// sorted in one pass instead of kept in order through every insert).
pub(crate) const TEMPLATE_INDEXES: &str = r#"
CREATE INDEX objects_by_number ON objects(resource, company_id, number);
CREATE INDEX objects_by_inactive ON objects(resource, company_id, inactive, id, version);
CREATE INDEX objects_by_account_number ON objects(company_id, number) WHERE resource = 'ledger/account';
"#;

/// The version that added `objects.number`: databases from before it get their numbers filled in.
pub const NUMBER_COLUMN_VERSION: usize = 2;

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "the database is at schema version {found}, newer than the {SCHEMA_VERSION} this tripletex-sandbox knows; use a newer build or another --db file"
    )]
    TooNew { found: usize },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Brings the database up to [`SCHEMA_VERSION`], one transaction per step; answers the version
/// the database was at.
pub fn migrate(conn: &mut Connection) -> Result<usize, MigrationError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let found = usize::try_from(found).unwrap_or(usize::MAX);
    if found > SCHEMA_VERSION {
        return Err(MigrationError::TooNew { found });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (version + 1) as i64)?;
        tx.commit()?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless_and_sets_the_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION as i64);
    }

    /// The template's `objects` must stay the migrated table, column for column and index for
    /// index, or the merged reads of `store::objects` would read different shapes.
    #[test]
    fn the_template_schema_is_the_migrated_objects_table() {
        let shape = |conn: &Connection| {
            let columns: Vec<(String, String, bool)> = conn
                .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info('objects') ORDER BY cid")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let indexes: Vec<String> = conn
                .prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'objects' AND sql IS NOT NULL ORDER BY name")
                .unwrap()
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|sql| sql.unwrap().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            (columns, indexes)
        };
        let mut migrated = Connection::open_in_memory().unwrap();
        migrate(&mut migrated).unwrap();
        let template = Connection::open_in_memory().unwrap();
        template.execute_batch(TEMPLATE_TABLE).unwrap();
        template.execute_batch(TEMPLATE_INDEXES).unwrap();
        assert_eq!(shape(&migrated), shape(&template));
    }

    /// Catalog keys that older versions stored with a `null` access keep everything their owner
    /// has; any other `null` stays, and grants nothing (see `store::rows::accesses_from`).
    #[test]
    fn catalog_keys_stored_with_a_null_access_keep_it_and_no_other_null_is_widened() {
        let mut conn = Connection::open_in_memory().unwrap();
        // The keys alone, without the people, companies and integrations they name.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let tx = conn.transaction().unwrap();
        // Every migration before the one that names those keys' access.
        for (version, sql) in MIGRATIONS.iter().enumerate().take(18) {
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", (version + 1) as i64).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO keys(id, name, person_id, company_id, integration_id, application_name, accesses,
                              accountant_key, token, state, created_at)
               VALUES (1, 'catalog', 1, 1, 5, 'App', 'null', 0, 't1', 'active', 'x'),
                      (2, 'custom', 1, 1, NULL, 'Mine', 'null', 0, 't2', 'active', 'x'),
                      (3, 'listed', 1, 1, 5, 'App', '[\"AUTH_CUSTOMER\"]', 0, 't3', 'active', 'x')",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let accesses: Vec<String> = conn
            .prepare("SELECT accesses FROM keys ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(accesses, ["\"ALL\"", "null", "[\"AUTH_CUSTOMER\"]"]);
    }

    /// A database from before migration 10 finds its accounts by number from the column the
    /// migration filled (integers only, as the index over the body compared them).
    #[test]
    fn migrating_fills_the_number_of_existing_accounts() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for (version, sql) in MIGRATIONS.iter().enumerate().take(9) {
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", (version + 1) as i64).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO objects(resource, id, company_id, version, body, changes)
               VALUES ('ledger/account', 1, 7, 0, '{\"number\": 1500}', '[]'),
                      ('ledger/account', 2, 7, 0, '{\"number\": \"2400\"}', '[]'),
                      ('customer', 3, 7, 0, '{\"number\": 1500}', '[]')",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let numbers: Vec<(i64, Option<i64>)> = conn
            .prepare("SELECT id, number FROM objects ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(numbers, [(1, Some(1500)), (2, None), (3, None)]);
    }

    /// A database from before migration 11 keeps its sessions, every column of them, and loses
    /// only the index over the token.
    #[test]
    fn migrating_keeps_every_session_and_drops_the_token_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for (version, sql) in MIGRATIONS.iter().enumerate().take(10) {
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", (version + 1) as i64).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO companies VALUES (1, 'A', '1', 'client', 'complete', 1, 'AS', 'a@example.com');
             INSERT INTO people(id, company_id, first_name, last_name, email, is_contact, is_proxy, user_type, roles, entitlements)
               VALUES (2, 1, 'K', 'N', 'k@example.com', 0, 0, 'STANDARD', '[]', '[]');
             INSERT INTO integrations VALUES (3, 'App', 'c', '[]', 0, 0, 0);
             INSERT INTO keys VALUES (4, 'k', 2, 1, 3, 'App', '\"all\"', 0, 'e', 'active', '2026-01-01', NULL);
             INSERT INTO sessions VALUES (5, 'test-a', 4, 3, '2030-01-01', 1893456000, 0, 1),
                                         (6, 'test-b', 4, 3, '2031-01-01', 1924992000, 1, 0);",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let rows: Vec<String> = conn
            .prepare(
                "SELECT json_array(id, token, key_id, integration_id, expiration_date, expires_at, deleted, used)
                 FROM sessions ORDER BY id",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [
                r#"[5,"test-a",4,3,"2030-01-01",1893456000,0,1]"#,
                r#"[6,"test-b",4,3,"2031-01-01",1924992000,1,0]"#,
            ]
        );
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM pragma_index_list('sessions') ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(indexes, ["sessions_by_expiry", "sessions_by_use"]);
    }

    /// A database from before migration 14 keeps every object, every column of it, with `view`
    /// now read ahead of `body`, and its object counts still follow inserts and deletes.
    #[test]
    fn migrating_keeps_every_object_and_puts_the_view_ahead_of_the_body() {
        let mut conn = Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        for (version, sql) in MIGRATIONS.iter().enumerate().take(13) {
            tx.execute_batch(sql).unwrap();
            tx.pragma_update(None, "user_version", (version + 1) as i64).unwrap();
        }
        tx.execute_batch(
            "INSERT INTO objects(resource, id, company_id, version, body, changes, number, inactive, view)
               VALUES ('customer', 1, 7, 2, '{\"name\": \"A\"}', '[1]', 10001, 0, '{\"id\": 1}'),
                      ('customer', 2, 7, 0, '{\"name\": \"B\"}', '[]', NULL, 1, NULL)",
        )
        .unwrap();
        tx.commit().unwrap();
        migrate(&mut conn).unwrap();
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('objects') ORDER BY cid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            columns,
            [
                "resource",
                "id",
                "company_id",
                "version",
                "number",
                "inactive",
                "view",
                "body",
                "changes"
            ]
        );
        let rows: Vec<String> = conn
            .prepare(
                "SELECT json_array(resource, id, company_id, version, body, changes, number, inactive, view)
                 FROM objects ORDER BY id",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [
                r#"["customer",1,7,2,"{\"name\": \"A\"}","[1]",10001,0,"{\"id\": 1}"]"#,
                r#"["customer",2,7,0,"{\"name\": \"B\"}","[]",null,1,null]"#,
            ]
        );
        let counts = |conn: &Connection| -> Vec<(i64, i64)> {
            conn.prepare("SELECT inactive, n FROM object_counts WHERE resource = 'customer' AND company_id = 7 ORDER BY inactive")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(counts(&conn), [(0, 1), (1, 1)]);
        conn.execute_batch(
            "INSERT INTO objects(resource, id, company_id, version, body, changes, inactive)
               VALUES ('customer', 3, 7, 0, '{}', '[]', 0);
             DELETE FROM objects WHERE id = 2;",
        )
        .unwrap();
        assert_eq!(counts(&conn), [(0, 2), (1, 0)]);
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION as i64 + 1)
            .unwrap();
        assert!(matches!(migrate(&mut conn), Err(MigrationError::TooNew { .. })));
    }
}
