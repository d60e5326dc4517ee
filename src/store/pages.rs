//! Writing a whole world into a database file as pages: only the pages that differ from the
//! file's, through SQLite's `sqlite_dbpage` table (compiled in: see `.cargo/config.toml`), in one
//! transaction of the file. A world swap on a file (reset, state import, scenario load, restore)
//! builds the new world in memory, and most of its pages are the ones the file holds already:
//! the same schema, the same seed objects, the same scenario in the same order. Each page
//! written to a file in WAL mode is written twice (to the log, then back into the file),
//! checksummed, and every thousand of them cost a checkpoint's two fsyncs, so writing only the
//! changed ones is what brings a swap near the in-memory time.

use rusqlite::{Connection, TransactionBehavior, params};
use std::ops::Range;

/// The header fields (page 1's first 100 bytes, see <https://sqlite.org/fileformat2.html>) this
/// writer sets rather than copies: the file format's versions (2 and 2 in WAL mode, which an
/// in-memory image does not say), the page count, and the schema cookie, which must move for
/// every connection to the file (this one included) to read the schema again.
const FORMAT_VERSIONS: Range<usize> = 18..20;
const PAGE_COUNT: Range<usize> = 28..32;
const SCHEMA_COOKIE: Range<usize> = 40..44;

/// Makes `file`'s main database the database serialized in `image` (of the file's page size),
/// writing page 1 and the pages that differ, and truncating what `image` does not have. One
/// transaction: a reader sees the old world or the new one, and on an error the file is as it
/// was. Returns how many pages were written.
pub(super) fn write_differing(file: &mut Connection, image: &[u8]) -> rusqlite::Result<usize> {
    let page_size =
        usize::try_from(file.pragma_query_value(None, "page_size", |row| row.get::<_, u32>(0))?).unwrap_or(0);
    if page_size == 0
        || image.len() < page_size
        || !image.len().is_multiple_of(page_size)
        || image_page_size(image) != page_size
    {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!(
                "a database image of {} bytes is not made of {page_size}-byte pages",
                image.len()
            )),
        ));
    }
    let pages: Vec<&[u8]> = image.chunks_exact(page_size).collect();
    let tx = file
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy) => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some(
                    "the database file is locked by another connection (a sqlite3 shell?): let it go and try again"
                        .into(),
                ),
            ),
            _ => error,
        })?;
    let (header, pages_before, differing) = compare(&tx, &pages)?;
    let mut write = tx.prepare_cached("INSERT INTO sqlite_dbpage(pgno, data) VALUES (?1, ?2)")?;
    for &number in &differing {
        write.execute(params![number, pages[index(number)]])?;
    }
    // Page 1 last and in one statement with the cut: each statement begins by comparing the
    // schema cookie, and one that finds it moved reads the schema again, through pages not all
    // written yet. A page without data cuts the file off before it at the commit, unless a page
    // is written after it.
    let first = first_page(pages[0], &header, pages.len());
    if page_number(pages.len()) < pages_before {
        tx.prepare_cached("INSERT INTO sqlite_dbpage(pgno, data) VALUES (1, ?1), (?2, NULL)")?
            .execute(params![first, page_number(pages.len()) + 1])?;
    } else {
        write.execute(params![1, first])?;
    }
    drop(write);
    tx.commit()?;
    // The connection's cache may still hold its own reading of a page written here as it was
    // before (the B-tree layer keeps a parse of each page beside it): let go of all of them, so
    // that each is read again.
    file.release_memory()?;
    log::debug!(
        "wrote {} of {} pages into the database file",
        differing.len() + 1,
        pages.len()
    );
    Ok(differing.len() + 1)
}

/// The file's header, its page count, and the numbers of the pages past the first whose
/// contents `pages` changes.
fn compare(file: &Connection, pages: &[&[u8]]) -> rusqlite::Result<(Vec<u8>, u32, Vec<u32>)> {
    let mut header = Vec::new();
    let mut pages_before = 0;
    let mut differing = Vec::new();
    let mut read = file.prepare_cached("SELECT pgno, data FROM sqlite_dbpage")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let number: u32 = row.get(0)?;
        let data = row.get_ref(1)?.as_blob()?;
        pages_before = pages_before.max(number);
        if number == 1 {
            header = data.to_vec();
        } else if pages.get(index(number)).is_some_and(|page| *page != data) {
            differing.push(number);
        }
    }
    differing.extend(pages_before + 1..=page_number(pages.len()));
    Ok((header, pages_before, differing))
}

/// `image`'s first page with the file's format versions, the image's page count and a schema
/// cookie past the file's.
fn first_page(image: &[u8], file_header: &[u8], page_count: usize) -> Vec<u8> {
    let mut page = image.to_vec();
    if let Some(versions) = file_header.get(FORMAT_VERSIONS) {
        page[FORMAT_VERSIONS].copy_from_slice(versions);
    }
    let cookie = file_header
        .get(SCHEMA_COOKIE)
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .map_or(0, u32::from_be_bytes);
    page[SCHEMA_COOKIE].copy_from_slice(&cookie.wrapping_add(1).to_be_bytes());
    page[PAGE_COUNT].copy_from_slice(&page_number(page_count).to_be_bytes());
    page
}

/// A count of pages, as SQLite numbers them (the last page's number).
fn page_number(count: usize) -> u32 {
    // An image holds at most SQLite's 2^32 - 2 pages.
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Page `number`'s place in an image, counting from 0.
fn index(number: u32) -> usize {
    usize::try_from(number).unwrap_or(usize::MAX).saturating_sub(1)
}

/// The page size an image's header states (bytes 16 and 17; 1 stands for 65,536).
fn image_page_size(image: &[u8]) -> usize {
    match image.get(16..18) {
        Some([0, 1]) => 65_536,
        Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempFile(std::path::PathBuf);

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A database file in WAL mode holding `rows` numbered rows of some width, and its folder
    /// (removed when dropped).
    fn file_with_rows(rows: i64) -> (Connection, TempFile) {
        let dir = std::env::temp_dir().join(format!("pages-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = Connection::open(dir.join("world.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE rows(id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
             INSERT INTO rows SELECT i, printf('%0100d', i) FROM n",
            [rows],
        )
        .unwrap();
        (conn, TempFile(dir))
    }

    /// The file's pages as an in-memory database to change, as a world is built apart.
    fn copy(file: &mut Connection) -> Connection {
        let image = file.serialize(rusqlite::MAIN_DB).unwrap();
        let mut copy = Connection::open_in_memory().unwrap();
        let mut pages = image.to_vec();
        pages[FORMAT_VERSIONS].copy_from_slice(&[1, 1]);
        copy.deserialize_read_exact(rusqlite::MAIN_DB, &*pages, pages.len(), false)
            .unwrap();
        copy
    }

    fn write(file: &mut Connection, world: &mut Connection) -> rusqlite::Result<usize> {
        write_differing(file, &world.serialize(rusqlite::MAIN_DB).unwrap())
    }

    fn bodies(conn: &Connection) -> Vec<(i64, String)> {
        conn.prepare_cached("SELECT id, body FROM rows ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn intact(conn: &Connection) {
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }

    /// A world that changed one row costs the first page and the row's page, and the file then
    /// reads as the world did: through the connection that wrote it (which had read every page
    /// before), through another one, and after a reopen, still in WAL mode.
    #[test]
    fn only_the_pages_that_differ_are_written_and_the_file_reads_as_the_world() {
        let (mut file, dir) = file_with_rows(2_000);
        let mut world = copy(&mut file);
        world
            .execute("UPDATE rows SET body = 'changed' WHERE id = 1000", [])
            .unwrap();
        let before = bodies(&file);
        assert_eq!(write(&mut file, &mut world).unwrap(), 2);
        let expected = bodies(&world);
        assert_ne!(before, expected);
        assert_eq!(bodies(&file), expected);
        intact(&file);
        let other = Connection::open(dir.0.join("world.db")).unwrap();
        assert_eq!(bodies(&other), expected);
        drop((file, other));
        let reopened = Connection::open(dir.0.join("world.db")).unwrap();
        let mode: String = reopened.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(bodies(&reopened), expected);
        intact(&reopened);
    }

    /// Pages whose cells all moved (rows deleted and others added) are read again by the
    /// connection that wrote them, not from what it had parsed of them before; a smaller world
    /// cuts the file down to its pages.
    #[test]
    fn a_world_of_other_rows_and_fewer_pages_replaces_the_files_whole() {
        let (mut file, _dir) = file_with_rows(3_000);
        let mut world = copy(&mut file);
        world
            .execute_batch(
                "DELETE FROM rows WHERE id % 3 <> 0 OR id > 1500;
                 INSERT INTO rows(id, body) VALUES (5000, 'new');
                 VACUUM;",
            )
            .unwrap();
        let count = |conn: &Connection| -> i64 { conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap() };
        assert!(count(&world) < count(&file));
        bodies(&file);
        write(&mut file, &mut world).unwrap();
        assert_eq!(bodies(&file), bodies(&world));
        assert_eq!(count(&file), count(&world));
        intact(&file);
    }

    /// A world with another schema is the file's schema too, for the connection that wrote it
    /// (its statements prepared before are prepared again) and for others.
    #[test]
    fn a_world_with_another_schema_is_read_with_its_schema() {
        let (mut file, dir) = file_with_rows(100);
        let mut world = copy(&mut file);
        world
            .execute_batch("CREATE TABLE added(note TEXT); INSERT INTO added VALUES ('here'); DROP TABLE rows; CREATE TABLE rows(id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO rows VALUES (7, 'seven');")
            .unwrap();
        bodies(&file);
        write(&mut file, &mut world).unwrap();
        assert_eq!(bodies(&file), [(7, "seven".to_string())]);
        let note: String = file.query_row("SELECT note FROM added", [], |r| r.get(0)).unwrap();
        assert_eq!(note, "here");
        let other = Connection::open(dir.0.join("world.db")).unwrap();
        assert_eq!(bodies(&other), [(7, "seven".to_string())]);
        intact(&file);
    }

    /// A file another connection is writing, or an image of another page size, is refused and
    /// left as it was.
    #[test]
    fn a_file_locked_by_another_writer_or_an_image_of_other_pages_is_left_as_it_was() {
        let (mut file, dir) = file_with_rows(100);
        let mut world = copy(&mut file);
        world.execute("DELETE FROM rows", []).unwrap();
        let before = bodies(&file);
        let other = Connection::open(dir.0.join("world.db")).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        file.busy_timeout(std::time::Duration::ZERO).unwrap();
        let locked = write(&mut file, &mut world).unwrap_err();
        assert!(locked.to_string().contains("locked by another connection"), "{locked}");
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(bodies(&file), before);
        let mut small = Connection::open_in_memory().unwrap();
        small
            .execute_batch("PRAGMA page_size = 1024; CREATE TABLE rows(id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        let refused = write(&mut file, &mut small).unwrap_err();
        assert!(refused.to_string().contains("pages"), "{refused}");
        assert_eq!(bodies(&file), before);
        intact(&file);
    }
}
