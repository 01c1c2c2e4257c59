//! `leakguard fingerprint add|list`: exact-data-match sets (keyed hashes only).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{exit, Global};
use crate::fingerprint::{self, Key};

#[derive(Debug, Subcommand)]
pub enum FingerprintCmd {
    /// Register the values of a file's columns (e-mail and name columns) into a set.
    #[command(
        after_help = "Examples:\n  LEAKGUARD_FP_KEY=$(cat ~/.config/leakguard/fp.key) \\\n    leakguard fingerprint add --set customers --column email --column company export.csv\n  leakguard fingerprint add --key-file /etc/leakguard/fp.key --set customers --column 3 export.tsv"
    )]
    Add(AddArgs),
    /// List fingerprint sets with their sizes.
    List(Common),
}

#[derive(Debug, Args)]
pub struct Common {
    /// Directory of sets (default: policy `settings.fingerprint_dir`, `$LEAKGUARD_FP_DIR`, ~/.local/share/leakguard/fingerprints).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub common: Common,
    /// Set name (the `set:` of a `fingerprints` detector).
    #[arg(long)]
    pub set: String,
    /// Column to register: a header name or a 1-based number (repeatable).
    #[arg(long = "column", required = true)]
    pub columns: Vec<String>,
    /// File holding the key (default `settings.fingerprint_key_file` or `$LEAKGUARD_FP_KEY`).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// CSV/TSV file with a header row.
    pub file: PathBuf,
}

pub fn run(g: &Global, cmd: FingerprintCmd) -> u8 {
    let policy = match g.load_here() {
        Ok((_, p)) => p,
        Err(c) => return c,
    };
    match cmd {
        FingerprintCmd::List(c) => {
            let dir = c.dir.unwrap_or_else(|| fingerprint::default_dir(policy.settings.fingerprint_dir.as_deref()));
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|r| {
                    r.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|e| e == "lgfp"))
                        .collect()
                })
                .unwrap_or_default();
            entries.sort();
            println!("fingerprint sets in {}", dir.display());
            for p in entries {
                let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                let n = size.saturating_sub(24) / 12;
                println!("  {name}: {n} values, {size} bytes");
            }
            exit::ALLOW
        }
        FingerprintCmd::Add(a) => {
            let key_file = a.key_file.clone().or(policy.settings.fingerprint_key_file.clone());
            let key = match Key::load(key_file.as_deref()) {
                Ok(Some(k)) => k,
                Ok(None) => {
                    eprintln!("error: no fingerprint key: pass --key-file or set LEAKGUARD_FP_KEY (hex, 16+ bytes); keep it outside the repository");
                    return exit::USAGE;
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::USAGE;
                }
            };
            let dir =
                a.common.dir.unwrap_or_else(|| fingerprint::default_dir(policy.settings.fingerprint_dir.as_deref()));
            let data = match std::fs::read(&a.file) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", a.file.display());
                    return exit::USAGE;
                }
            };
            match fingerprint::register_table(&dir, &a.set, &key, &data, &a.columns) {
                Ok(r) => {
                    println!(
                        "set `{}`: {} records, {} fingerprints in {}",
                        a.set,
                        r.records,
                        r.values,
                        fingerprint::set_path(&dir, &a.set).display()
                    );
                    exit::ALLOW
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    exit::USAGE
                }
            }
        }
    }
}
