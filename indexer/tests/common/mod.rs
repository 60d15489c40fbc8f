//! Shared test helpers: fresh stores of every backend, and a devnet workload (funded clients,
//! encoded blobs, certificates signed with the genesis nodes' BLS keys).

#![allow(dead_code)] // Each test binary uses a subset.

use sqlx::Connection;
use walrus_indexer::AnyStore;
use walrus_indexer::store::{EmbeddedStore, SqlStore};

/// The environment variable naming the PostgreSQL server for the tests.
pub const POSTGRES_ENV: &str = "WALRUS_TEST_POSTGRES_URL";

/// The PostgreSQL server's URL. Fails the test when unset: the PostgreSQL tests never skip.
pub fn postgres_url() -> String {
    std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_ENV} is not set: the PostgreSQL tests need a server, e.g. \
             {POSTGRES_ENV}=postgres://walrus:walrus@127.0.0.1:5432/walrus_test \
             (scripts/test.sh installs and starts one)"
        )
    })
}

/// A new, empty database on the test server; returns its URL.
pub async fn fresh_postgres_url() -> String {
    sqlx::any::install_default_drivers();
    let base = postgres_url();
    let name = format!("walrus_idx_{:016x}", rand::random::<u64>());
    let mut conn = sqlx::AnyConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {base}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE (the role needs CREATEDB)");
    conn.close().await.ok();
    // Replace the database path of the URL (keep any query string).
    let (without_query, query) = match base.split_once('?') {
        Some((u, q)) => (u.to_owned(), format!("?{q}")),
        None => (base.clone(), String::new()),
    };
    let authority_end = without_query
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| without_query[start..].find('/').map(|j| start + j))
        .unwrap_or(without_query.len());
    format!("{}/{name}{query}", &without_query[..authority_end])
}

/// The backends under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Sqlite,
    Postgres,
}

/// A fresh store of `backend`; `dir` holds the files of the embedded and SQLite stores.
pub async fn fresh_store(backend: Backend, dir: &std::path::Path) -> AnyStore {
    let n = rand::random::<u64>();
    match backend {
        Backend::Embedded => {
            AnyStore::Embedded(EmbeddedStore::open(&dir.join(format!("fjall-{n:x}"))).unwrap())
        }
        Backend::Sqlite => AnyStore::Sql(
            SqlStore::connect(&format!("sqlite://{}/idx-{n:x}.db", dir.display()))
                .await
                .unwrap(),
        ),
        Backend::Postgres => AnyStore::Sql(
            SqlStore::connect(&fresh_postgres_url().await)
                .await
                .unwrap(),
        ),
    }
}
