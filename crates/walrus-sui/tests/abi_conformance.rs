//! ABI conformance between the Move sources in `contracts/` and the Rust mirrors.
//!
//! Parses every `.move` file with `move-syn` (a parse failure or a parser panic is a test
//! failure) and checks that:
//! - every mirrored struct, enum and event has the same field (or variant) names, order and types;
//! - every call builder matches the public function's parameter list;
//! - every abort code in the Rust tables equals the Move constant;
//! - every Move unit test (`#[test]` in any `.move` file) has a devnet twin: a Rust `#[test]`
//!   function of the same name in `mod <module>_tests` of `crates/walrus-devnet/tests/*.rs`
//!   (a Move test `walrus::blob_tests::certify_twice_fails` needs
//!   `mod blob_tests { #[test] fn certify_twice_fails() }`), except the names in
//!   [`TWINS_PENDING`].
//!
//! The mutation tests feed deliberately broken copies of Move sources to the same checker and
//! assert that it reports them.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use move_syn::unsynn::{IParse, ToTokens};
use move_syn::{FieldsKind, File, ItemKind, StructKind};
use walrus_sui::calls::{CallSignature, signatures};
use walrus_sui::move_types::StructLayout;

/// What the Move sources declare, keyed by `package::module::name`.
#[derive(Debug, Default)]
struct MoveAbi {
    /// Struct or enum -> fields (or variants) with normalized types.
    datatypes: BTreeMap<String, Vec<(String, String)>>,
    /// Function -> (is public, parameters with normalized types).
    functions: BTreeMap<String, (bool, Vec<(String, String)>)>,
    /// Abort code constant -> value.
    abort_codes: BTreeMap<String, u64>,
    /// Unit tests as `<module>_tests::<function>` (the key of their devnet twin).
    tests: BTreeSet<String>,
}

/// Normalizes a Move type: module paths are dropped and whitespace removed
/// (`& mut sui::coin::Coin < WAL >` becomes `&mutCoin<WAL>`).
fn normalize(ty: &str) -> String {
    let mut spaced = String::new();
    for c in ty.chars() {
        if "<>,()&{}:".contains(c) && c != ':' {
            spaced.push(' ');
            spaced.push(c);
            spaced.push(' ');
        } else {
            spaced.push(c);
        }
    }
    spaced
        .split_whitespace()
        .map(|token| token.rsplit("::").next().unwrap_or(token).to_owned())
        .collect()
}

fn tokens(item: &impl ToTokens) -> String {
    item.to_token_stream().to_string()
}

/// Parses one Move source into `abi`. A parse error or a parser panic is returned as an error.
fn parse_source(path: &str, source: &str, abi: &mut MoveAbi) -> Result<(), String> {
    let sanitized = move_syn::sanitize_for_tokenizer(source);
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        let stream: move_syn::unsynn::TokenStream =
            sanitized.parse().map_err(|e| format!("tokenizer: {e:?}"))?;
        let mut iter = stream.to_token_iter();
        let file: Result<File, _> = iter.parse_all();
        file.map_err(|e| format!("{e}"))
    }));
    let file = match parsed {
        Ok(Ok(file)) => file,
        Ok(Err(e)) => return Err(format!("{path}: parse error: {e}")),
        Err(_) => return Err(format!("{path}: the Move parser panicked")),
    };
    for module in file.into_modules() {
        let prefix = format!("{}::{}", module.named_address, module.ident);
        let module_name = module.ident.to_string();
        let twin_module = format!("{}_tests", module_name.trim_end_matches("_tests"));
        for item in module.items() {
            let is_test_only = item.attrs.iter().any(|a| tokens(a).contains("test_only"));
            if let ItemKind::Function(f) = &item.kind
                && item.attrs.iter().any(|a| is_test_attribute(&tokens(a)))
            {
                abi.tests.insert(format!("{twin_module}::{}", f.ident()));
            }
            match &item.kind {
                ItemKind::Struct(s) => {
                    let fields = match &s.kind {
                        StructKind::Braced(b) => b
                            .fields()
                            .map(|f| (f.ident.to_string(), normalize(&tokens(&f.ty))))
                            .collect(),
                        StructKind::Tuple(t) => t
                            .fields()
                            .enumerate()
                            .map(|(i, f)| (i.to_string(), normalize(&tokens(&f.ty))))
                            .collect(),
                    };
                    abi.datatypes
                        .insert(format!("{prefix}::{}", s.ident), fields);
                }
                ItemKind::Enum(e) => {
                    let variants = e
                        .variants()
                        .map(|v| {
                            let fields = match &v.fields {
                                None => String::new(),
                                Some(FieldsKind::Positional(p)) => format!(
                                    "({})",
                                    p.fields()
                                        .map(|f| normalize(&tokens(&f.ty)))
                                        .collect::<Vec<_>>()
                                        .join(",")
                                ),
                                Some(FieldsKind::Named(n)) => format!(
                                    "{{{}}}",
                                    n.fields()
                                        .map(|f| format!(
                                            "{}:{}",
                                            f.ident,
                                            normalize(&tokens(&f.ty))
                                        ))
                                        .collect::<Vec<_>>()
                                        .join(",")
                                ),
                            };
                            (v.ident.to_string(), fields)
                        })
                        .collect();
                    abi.datatypes
                        .insert(format!("{prefix}::{}", e.ident), variants);
                }
                ItemKind::Function(f) if !is_test_only => {
                    let params = f
                        .arguments()
                        .map(|a| (a.ident().to_string(), normalize(&tokens(a.type_()))))
                        .collect();
                    let public = item.visibility().is_public();
                    abi.functions
                        .insert(format!("{prefix}::{}", f.ident()), (public, params));
                }
                ItemKind::Const(c) => {
                    // `const EName : u64 = N ;`
                    let text = tokens(c);
                    let mut words = text.split_whitespace();
                    let (Some("const"), Some(name)) = (words.next(), words.next()) else {
                        continue;
                    };
                    let is_error = name.starts_with('E')
                        && name.chars().nth(1).is_some_and(char::is_uppercase);
                    if !is_error {
                        continue;
                    }
                    let value = text
                        .split('=')
                        .nth(1)
                        .map(|v| v.trim().trim_end_matches(';').trim().replace('_', ""));
                    let Some(Ok(value)) = value.map(|v| v.parse::<u64>()) else {
                        return Err(format!("{path}: abort code {name} is not a u64 literal"));
                    };
                    abi.abort_codes.insert(format!("{prefix}::{name}"), value);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Whether an attribute (`# [test , expected_failure (...)]`) marks a unit test (`test`, not
/// `test_only`).
fn is_test_attribute(attribute: &str) -> bool {
    let inner = attribute
        .trim_start_matches('#')
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']');
    // The attribute's top-level items, e.g. `test` and `expected_failure (...)`.
    let mut depth = 0usize;
    let mut items = vec![String::new()];
    for c in inner.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => items.push(String::new()),
            _ if depth == 0 => items.last_mut().unwrap().push(c),
            _ => {}
        }
    }
    items.iter().any(|item| item.trim() == "test")
}

// === Devnet twins of the Move unit tests ===

/// Move unit tests that have no devnet twin yet, as `<module>_tests::<function>`. Keep this list
/// minimal: an entry that gets a twin (or no longer names a Move test) fails the check, so it must
/// be removed in the same change.
const TWINS_PENDING: &[&str] = &[];

/// The devnet's Rust test files (`crates/walrus-devnet/tests/*.rs`) as `(path, source)`.
fn devnet_test_sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../walrus-devnet/tests");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "expected Rust tests under {dir:?}");
    paths
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// The Rust test functions of `source` as `<innermost mod>::<fn>` (top-level tests as `::<fn>`).
///
/// A line scanner, enough for rustfmt-formatted test files: `mod name {` opens a module, braces
/// are counted per line outside string literals and comments, and a `#[test]` or
/// `#[tokio::test...]` attribute marks the next `fn`.
fn rust_tests(source: &str) -> BTreeSet<String> {
    let mut tests = BTreeSet::new();
    // (module name, brace depth inside its body).
    let mut modules: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut pending_test = false;
    for line in source.lines() {
        let code = strip_literals(line);
        let trimmed = code.trim();
        if trimmed.starts_with("#[test]") || trimmed.starts_with("#[tokio::test") {
            pending_test = true;
        } else if pending_test && let Some(name) = fn_name(trimmed) {
            let module = modules.last().map_or("", |(m, _)| m.as_str());
            tests.insert(format!("{module}::{name}"));
            pending_test = false;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let mod_at = match words.as_slice() {
            ["mod", name, "{", ..] | ["pub", "mod", name, "{", ..] => Some(*name),
            ["pub(crate)", "mod", name, "{", ..] => Some(*name),
            _ => None,
        };
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if let Some(name) = mod_at {
            modules.push((name.to_owned(), depth));
        }
        while modules.last().is_some_and(|(_, d)| depth < *d) {
            modules.pop();
        }
    }
    tests
}

/// `line` without string and char literal contents and without a trailing `//` comment.
fn strip_literals(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '\'' => {
                // A char literal ('{', '\'') or a lifetime ('a).
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    let _ = chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    let _ = chars.nth(1);
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// The name of the function declared on `line`, if any.
fn fn_name(line: &str) -> Option<&str> {
    let rest = line
        .trim_start_matches("pub ")
        .trim_start_matches("async ")
        .strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

/// The twin check: Move tests without a twin that are not pending, and stale pending entries.
fn twin_errors(
    move_tests: &BTreeSet<String>,
    rust_files: &[(String, String)],
    pending: &[&str],
) -> Vec<String> {
    let twins: BTreeSet<String> = rust_files
        .iter()
        .flat_map(|(_, source)| rust_tests(source))
        .collect();
    let mut errors = Vec::new();
    let missing: Vec<&String> = move_tests
        .iter()
        .filter(|t| !twins.contains(*t) && !pending.contains(&t.as_str()))
        .collect();
    if !missing.is_empty() {
        errors.push(format!(
            "Move unit tests without a devnet twin (a #[test] fn of the same name in \
             `mod <module>_tests` of crates/walrus-devnet/tests/*.rs): {}",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for entry in pending {
        if twins.contains(*entry) {
            errors.push(format!(
                "{entry} now has a devnet twin: remove it from TWINS_PENDING"
            ));
        } else if !move_tests.contains(*entry) {
            errors.push(format!(
                "{entry} is not a Move unit test: remove it from TWINS_PENDING"
            ));
        }
    }
    errors
}

/// Compares the Move ABI with the Rust mirrors; returns every mismatch.
fn check(
    abi: &MoveAbi,
    structs: &[StructLayout],
    calls: &[CallSignature],
    abort_codes: &[(&str, &str, &str, u64)],
) -> Vec<String> {
    let mut errors = Vec::new();
    for layout in structs {
        let key = format!("{}::{}::{}", layout.package, layout.module, layout.name);
        let Some(move_fields) = abi.datatypes.get(&key) else {
            errors.push(format!("{key}: no such Move struct or enum"));
            continue;
        };
        let rust_fields: Vec<(String, String)> = layout
            .fields
            .iter()
            .map(|(n, t)| (n.to_string(), normalize(t)))
            .collect();
        if &rust_fields != move_fields {
            errors.push(format!(
                "{key}: Move has {move_fields:?}, Rust has {rust_fields:?}"
            ));
        }
    }
    for call in calls {
        let key = format!("{}::{}::{}", call.package, call.module, call.function);
        let Some((public, move_params)) = abi.functions.get(&key) else {
            errors.push(format!("{key}: no such Move function"));
            continue;
        };
        if !public {
            errors.push(format!("{key}: not public"));
        }
        let mut rust_params: Vec<(String, String)> = call
            .params
            .iter()
            .map(|(n, t)| (n.trim_end_matches('_').to_owned(), normalize(t)))
            .collect();
        if call.takes_ctx {
            rust_params.push(("ctx".to_owned(), normalize("&mut TxContext")));
        }
        if &rust_params != move_params {
            errors.push(format!(
                "{key}: Move takes {move_params:?}, Rust builds {rust_params:?}"
            ));
        }
        for ((name, declared), pure) in call.params.iter().zip(&call.pure_param_types) {
            let declared = normalize(declared).trim_start_matches('&').to_owned();
            if let Some(pure) = pure
                && normalize(pure) != declared
            {
                errors.push(format!(
                    "{key}: parameter {name} is {declared}, Rust field is {pure}"
                ));
            }
        }
    }
    for (package, module, name, code) in abort_codes {
        let key = format!("{package}::{module}::{name}");
        match abi.abort_codes.get(&key) {
            Some(value) if value == code => {}
            Some(value) => errors.push(format!("{key}: Move code {value}, Rust code {code}")),
            None => errors.push(format!("{key}: no such Move abort code")),
        }
    }
    let rust_codes: Vec<String> = abort_codes
        .iter()
        .map(|(p, m, n, _)| format!("{p}::{m}::{n}"))
        .collect();
    for key in abi.abort_codes.keys() {
        if key.contains("_tests::") || key.contains("::test_utils::") {
            continue;
        }
        if !rust_codes.contains(key) {
            errors.push(format!("{key}: Move abort code missing on the Rust side"));
        }
    }
    errors
}

fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts")
}

fn move_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "build" || n == "node_modules")
            {
                continue;
            }
            move_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "move") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    move_files(&contracts_dir(), &mut files);
    assert!(
        files.len() > 20,
        "expected the Move packages under {:?}",
        contracts_dir()
    );
    files
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

fn parse_all(sources: &[(String, String)]) -> (MoveAbi, Vec<String>) {
    let mut abi = MoveAbi::default();
    let errors = sources
        .iter()
        .filter_map(|(path, source)| parse_source(path, source, &mut abi).err())
        .collect();
    (abi, errors)
}

fn check_sources(sources: &[(String, String)]) -> Vec<String> {
    let (abi, mut errors) = parse_all(sources);
    errors.extend(check(
        &abi,
        &walrus_sui::mirrored_structs(),
        &signatures(),
        walrus_sui::ABORT_CODES,
    ));
    errors
}

/// Replaces `from` by `to` in the source whose path ends with `file`.
fn mutate(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
    let mut sources = all_sources();
    let (_, source) = sources
        .iter_mut()
        .find(|(path, _)| path.ends_with(file))
        .unwrap();
    assert!(source.contains(from), "{file} does not contain {from:?}");
    *source = source.replacen(from, to, 1);
    sources
}

#[test]
fn move_sources_match_rust_mirrors() {
    let sources = all_sources();
    let errors = check_sources(&sources);
    assert!(errors.is_empty(), "ABI mismatches:\n{}", errors.join("\n"));
    // Sanity: the checker saw the structs, functions and codes it compares.
    let (abi, _) = parse_all(&sources);
    assert!(abi.datatypes.contains_key("walrus::blob::Blob"));
    assert!(abi.functions.contains_key("walrus::system::register_blob"));
    assert!(abi.abort_codes.len() >= walrus_sui::ABORT_CODES.len());
}

#[test]
fn every_public_entry_point_has_a_builder() {
    let (abi, errors) = parse_all(&all_sources());
    assert!(errors.is_empty(), "{errors:?}");
    let built: Vec<String> = signatures()
        .iter()
        .map(|c| format!("{}::{}::{}", c.package, c.module, c.function))
        .collect();
    // Entry points: public functions of these modules that take a mutable object or consume one
    // (getters and pure helpers are excluded).
    let modules = [
        "system",
        "staking",
        "storage_resource",
        "shared_blob",
        "init",
        "wal",
    ];
    let mut missing = Vec::new();
    for (key, (public, params)) in &abi.functions {
        let module = key.split("::").nth(1).unwrap_or_default();
        let is_plain = |t: &str| {
            matches!(
                t,
                "u8" | "u16" | "u32" | "u64" | "u128" | "u256" | "bool" | "ID" | "String"
            ) || t.starts_with("vector<")
        };
        let mutating = params
            .iter()
            .any(|(_, t)| t.starts_with("&mut") || (!t.starts_with('&') && !is_plain(t)));
        if *public && modules.contains(&module) && mutating && !built.contains(key) {
            missing.push(key.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "public entry points without a builder: {missing:?}"
    );
}

#[test]
fn changed_struct_field_type_is_reported() {
    let sources = mutate(
        "storage_resource.move",
        "    storage_size: u64,",
        "    storage_size: u32,",
    );
    let errors = check_sources(&sources);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("walrus::storage_resource::Storage:")),
        "{errors:?}"
    );
}

#[test]
fn reordered_event_fields_are_reported() {
    let sources = mutate(
        "events.move",
        "    epoch: u32,\n    blob_id: u256,\n    size: u64,",
        "    blob_id: u256,\n    epoch: u32,\n    size: u64,",
    );
    let errors = check_sources(&sources);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("walrus::events::BlobRegistered:")),
        "{errors:?}"
    );
}

#[test]
fn renamed_enum_variant_is_reported() {
    let sources = mutate("staking_pool.move", "    Withdrawn,", "    Retired,");
    let errors = check_sources(&sources);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("walrus::staking_pool::PoolState:")),
        "{errors:?}"
    );
}

#[test]
fn changed_parameter_list_is_reported() {
    let sources = mutate(
        "system.move",
        "    storage_amount: u64,\n    epochs_ahead: u32,",
        "    epochs_ahead: u32,\n    storage_amount: u64,",
    );
    let errors = check_sources(&sources);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("walrus::system::reserve_space:")),
        "{errors:?}"
    );
}

#[test]
fn renumbered_abort_code_is_reported() {
    let sources = mutate(
        "blob.move",
        "const EResourceBounds: u64 = 2;",
        "const EResourceBounds: u64 = 12;",
    );
    let errors = check_sources(&sources);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("walrus::blob::EResourceBounds: Move code 12, Rust code 2")),
        "{errors:?}"
    );
}

#[test]
fn unbalanced_source_is_a_failure_not_a_panic() {
    let sources = mutate(
        "blob.move",
        "public fun size(self: &Blob): u64 { self.size }",
        "public fun size(self: &Blob): u64 { self.size",
    );
    let errors = check_sources(&sources);
    assert!(errors.iter().any(|e| e.contains("blob.move")), "{errors:?}");
}

#[test]
fn normalization() {
    assert_eq!(
        normalize("& mut sui::coin::Coin < wal::wal::WAL >"),
        "&mutCoin<WAL>"
    );
    assert_eq!(
        normalize("VecMap<ID, vector<u16>>"),
        "VecMap<ID,vector<u16>>"
    );
    assert_eq!(normalize("Option < u32 >"), "Option<u32>");
}

#[test]
fn every_move_unit_test_has_a_devnet_twin() {
    let (abi, errors) = parse_all(&all_sources());
    assert!(errors.is_empty(), "{errors:?}");
    // Sanity: the scanners see the tests on both sides.
    assert!(abi.tests.contains("blob_tests::register_and_certify"));
    assert!(
        abi.tests
            .contains("system_tests::reserve_beyond_capacity_fails")
    );
    assert!(abi.tests.contains("wal_tests::burn_reduces_supply"));
    assert!(
        !abi.tests.iter().any(|t| t.ends_with("::blob_id")),
        "a test_only helper"
    );
    assert!(abi.tests.len() > 100, "{}", abi.tests.len());
    let errors = twin_errors(&abi.tests, &devnet_test_sources(), TWINS_PENDING);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn missing_twin_is_reported() {
    let (abi, _) = parse_all(&all_sources());
    let mut rust = devnet_test_sources();
    let (_, source) = rust
        .iter_mut()
        .find(|(path, _)| path.ends_with("move_unit.rs"))
        .unwrap();
    assert!(source.contains("fn certify_twice_fails()"));
    *source = source.replacen(
        "fn certify_twice_fails()",
        "fn certify_twice_fails_renamed()",
        1,
    );
    let errors = twin_errors(&abi.tests, &rust, TWINS_PENDING);
    assert!(
        errors.iter().any(|e| e.contains("without a devnet twin")
            && e.contains("blob_tests::certify_twice_fails")),
        "{errors:?}"
    );

    // A new Move test is reported too.
    let sources = mutate(
        "blob_tests.move",
        "#[test]\nfun register_and_certify()",
        "#[test]\nfun brand_new_test() {}\n\n#[test]\nfun register_and_certify()",
    );
    let (abi, errors) = parse_all(&sources);
    assert!(errors.is_empty(), "{errors:?}");
    let errors = twin_errors(&abi.tests, &devnet_test_sources(), TWINS_PENDING);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("blob_tests::brand_new_test")),
        "{errors:?}"
    );
}

#[test]
fn stale_pending_twin_is_reported() {
    let (abi, _) = parse_all(&all_sources());
    let rust = devnet_test_sources();
    let errors = twin_errors(&abi.tests, &rust, &["blob_tests::register_and_certify"]);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("blob_tests::register_and_certify now has a devnet twin")),
        "{errors:?}"
    );
    let errors = twin_errors(&abi.tests, &rust, &["blob_tests::no_such_test"]);
    assert!(
        errors.iter().any(|e| e.contains("is not a Move unit test")),
        "{errors:?}"
    );
}

#[test]
fn rust_test_scanner() {
    let source = r#"
fn helper() {}
#[test]
fn top_level() { let s = "{"; }
mod blob_tests {
    use super::*;
    fn not_a_test() {}
    #[test]
    fn in_module() {
        with(|x| { x });
    }
    mod nested_tests {
        #[tokio::test(flavor = "multi_thread")]
        async fn deeper() { let c = '}'; }
    }
    #[test]
    fn after_nested() {}
}
#[test]
fn back_at_top() {}
"#;
    let tests: Vec<String> = rust_tests(source).into_iter().collect();
    assert_eq!(
        tests,
        [
            "::back_at_top",
            "::top_level",
            "blob_tests::after_nested",
            "blob_tests::in_module",
            "nested_tests::deeper",
        ]
    );
    assert!(is_test_attribute(
        "# [test , expected_failure (abort_code = blob :: EFoo)]"
    ));
    assert!(is_test_attribute("#[test]"));
    assert!(!is_test_attribute("#[test_only]"));
    assert!(!is_test_attribute("#[expected_failure(abort_code = test)]"));
}
