//! Generates the Rust abort-code enums from the Move sources.
//!
//! Scans `contracts/*/sources/**/*.move` for `const EName: u64 = N;` (with their `///` docs) and
//! writes one enum per Move module to `$OUT_DIR/move_errors.rs`. The generated listing must equal
//! the committed `move-abort-codes.txt`: a renumbered, renamed or removed abort code breaks the
//! build until the snapshot is updated on purpose (`WALRUS_UPDATE_ABORT_CODES=1 cargo build`),
//! because clients decode aborts of already deployed packages by these numbers.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

struct AbortCode {
    name: String,
    code: u64,
    doc: String,
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let contracts = manifest_dir.join("../../contracts");
    println!("cargo:rerun-if-changed={}", contracts.display());
    println!("cargo:rerun-if-changed=move-abort-codes.txt");
    println!("cargo:rerun-if-env-changed=WALRUS_UPDATE_ABORT_CODES");

    let mut files = Vec::new();
    for package in read_dir_sorted(&contracts) {
        collect_move_files(&package.join("sources"), &mut files);
    }
    // (package, module) -> codes
    let mut modules: BTreeMap<(String, String), Vec<AbortCode>> = BTreeMap::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let source = fs::read_to_string(file).expect("readable Move source");
        if let Some((key, codes)) = scan(&source) {
            modules.entry(key).or_default().extend(codes);
        }
    }

    let mut listing = String::new();
    for ((package, module), codes) in &modules {
        for c in codes {
            writeln!(listing, "{package}::{module}::{} = {}", c.name, c.code).expect("string");
        }
    }
    let snapshot_path = manifest_dir.join("move-abort-codes.txt");
    if env::var_os("WALRUS_UPDATE_ABORT_CODES").is_some() {
        fs::write(&snapshot_path, &listing).expect("writable snapshot");
    }
    let snapshot = fs::read_to_string(&snapshot_path).unwrap_or_default();

    let mut out = String::new();
    if snapshot != listing {
        let diff = diff_lines(&snapshot, &listing);
        writeln!(
            out,
            "compile_error!(\"Move abort codes differ from crates/walrus-sui/move-abort-codes.txt \
             (deployed packages are decoded by these numbers). If the change is intended, rebuild \
             with WALRUS_UPDATE_ABORT_CODES=1. Differences: {}\");",
            diff.escape_default()
        )
        .expect("string");
    }
    generate(&modules, &mut out);
    let out_path = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("move_errors.rs");
    fs::write(out_path, out).expect("writable OUT_DIR");
}

fn read_dir_sorted(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths
}

fn collect_move_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for path in read_dir_sorted(dir) {
        if path.is_dir() {
            collect_move_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "move") {
            out.push(path);
        }
    }
}

/// Returns the module `(package, name)` and its abort codes.
fn scan(source: &str) -> Option<((String, String), Vec<AbortCode>)> {
    let mut module = None;
    let mut codes = Vec::new();
    let mut doc = String::new();
    for line in source.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("///") {
            if !doc.is_empty() {
                doc.push(' ');
            }
            doc.push_str(rest.trim());
            continue;
        }
        if module.is_none()
            && let Some(rest) = line.strip_prefix("module ")
        {
            let path = rest.trim_end_matches(';').trim_end_matches('{').trim();
            if let Some((package, name)) = path.split_once("::") {
                module = Some((package.trim().to_owned(), name.trim().to_owned()));
            }
        }
        if let Some(code) = parse_error_const(line) {
            codes.push(AbortCode {
                name: code.0,
                code: code.1,
                doc: std::mem::take(&mut doc),
            });
        }
        if !line.starts_with("#[") {
            doc.clear();
        }
    }
    module.map(|m| (m, codes))
}

/// Parses `const EName: u64 = N;`.
fn parse_error_const(line: &str) -> Option<(String, u64)> {
    let rest = line.strip_prefix("const ")?;
    let (name, rest) = rest.split_once(':')?;
    let name = name.trim();
    let is_error = name.starts_with('E') && name.chars().nth(1).is_some_and(char::is_uppercase);
    if !is_error {
        return None;
    }
    let (ty, value) = rest.split_once('=')?;
    if ty.trim() != "u64" {
        return None;
    }
    let value = value.trim().trim_end_matches(';').trim().replace('_', "");
    Some((name.to_owned(), value.parse().ok()?))
}

fn camel(module: &str) -> String {
    module
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        })
        .collect()
}

fn generate(modules: &BTreeMap<(String, String), Vec<AbortCode>>, out: &mut String) {
    let w = |out: &mut String, s: String| out.push_str(&s);
    for ((package, module), codes) in modules {
        if codes.is_empty() {
            continue;
        }
        let ty = format!("{}Error", camel(module));
        w(out, format!("/// Abort codes of `{package}::{module}`.\n"));
        w(
            out,
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n".into(),
        );
        w(out, format!("pub enum {ty} {{\n"));
        for c in codes {
            let doc = if c.doc.is_empty() {
                c.name.clone()
            } else {
                c.doc.clone()
            };
            w(
                out,
                format!(
                    "    /// {}\n    {} = {},\n",
                    doc.replace('\n', " "),
                    c.name,
                    c.code
                ),
            );
        }
        w(out, "}\n\n".into());
        w(out, format!("impl {ty} {{\n"));
        w(
            out,
            format!(
                "    /// The Move package.\n    pub const PACKAGE: &'static str = \"{package}\";\n"
            ),
        );
        w(
            out,
            format!(
                "    /// The Move module.\n    pub const MODULE: &'static str = \"{module}\";\n\n"
            ),
        );
        w(
            out,
            "    /// The error with abort code `code`, if any.\n".into(),
        );
        w(
            out,
            "    pub fn from_code(code: u64) -> Option<Self> {\n        match code {\n".into(),
        );
        for c in codes {
            w(
                out,
                format!("            {} => Some(Self::{}),\n", c.code, c.name),
            );
        }
        w(out, "            _ => None,\n        }\n    }\n\n".into());
        w(
            out,
            "    /// The abort code.\n    pub fn code(self) -> u64 {\n        match self {\n"
                .into(),
        );
        for c in codes {
            w(
                out,
                format!("            Self::{} => {},\n", c.name, c.code),
            );
        }
        w(out, "        }\n    }\n\n".into());
        w(out, "    /// The Move constant's name.\n    pub fn name(self) -> &'static str {\n        match self {\n".into());
        for c in codes {
            w(
                out,
                format!("            Self::{} => \"{}\",\n", c.name, c.name),
            );
        }
        w(out, "        }\n    }\n}\n\n".into());
    }

    w(
        out,
        "/// A decoded Move abort from a Walrus package.\n".into(),
    );
    w(
        out,
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n".into(),
    );
    w(out, "pub enum MoveAbort {\n".into());
    for ((package, module), codes) in modules {
        if !codes.is_empty() {
            let ty = format!("{}Error", camel(module));
            w(
                out,
                format!(
                    "    /// An abort in `{package}::{module}`.\n    {}({ty}),\n",
                    camel(module)
                ),
            );
        }
    }
    w(out, "}\n\n".into());
    w(out, "impl MoveAbort {\n".into());
    w(
        out,
        "    /// Decodes `code` raised in `module` (the module name, e.g. `system`).\n".into(),
    );
    w(out, "    pub fn from_abort(module: &str, code: u64) -> Option<Self> {\n        match module {\n".into());
    for ((_, module), codes) in modules {
        if !codes.is_empty() {
            let ty = format!("{}Error", camel(module));
            w(
                out,
                format!(
                    "            \"{module}\" => {ty}::from_code(code).map(Self::{}),\n",
                    camel(module)
                ),
            );
        }
    }
    w(
        out,
        "            _ => None,\n        }\n    }\n}\n\n".into(),
    );

    w(out, "/// Every abort code: `(package, module, constant, code)`, as read from the Move sources.\n".into());
    w(
        out,
        "pub const ABORT_CODES: &[(&str, &str, &str, u64)] = &[\n".into(),
    );
    for ((package, module), codes) in modules {
        for c in codes {
            w(
                out,
                format!(
                    "    (\"{package}\", \"{module}\", \"{}\", {}),\n",
                    c.name, c.code
                ),
            );
        }
    }
    w(out, "];\n".into());
}

fn diff_lines(old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut parts = Vec::new();
    for line in &old_lines {
        if !new_lines.contains(line) {
            parts.push(format!("-{line}"));
        }
    }
    for line in &new_lines {
        if !old_lines.contains(line) {
            parts.push(format!("+{line}"));
        }
    }
    parts.join(", ")
}
