//! The PyPI wheel (pyproject.toml, maturin `bin` bindings): built with maturin from PyPI
//! into a venv under the test's temporary directory, with the dev profile and the
//! test's own target directory (so nothing is compiled twice), installed into a fresh
//! venv, and run from the venv's `bin`: `--version`, a blocking scan, and the pre-commit
//! framework's `language: python` hook with the wheel as its dependency. Skipped, with
//! the reason printed, only when PyPI cannot be reached and `CI` is unset.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::util::*;

fn venv(at: &Path) -> PathBuf {
    let o = Command::new("python3").arg("-m").arg("venv").arg(at).output().expect("python3 runs");
    assert!(o.status.success(), "python3 -m venv: {}", err(&o));
    at.join("bin")
}

/// The built wheel, or `None` (skip) without PyPI outside CI.
fn build_wheel(tmp: &Path) -> Option<PathBuf> {
    let bin = venv(&tmp.join("build"));
    let o = Command::new(bin.join("pip"))
        .args(["install", "-q", "--disable-pip-version-check", "maturin>=1.5,<2"])
        .output()
        .expect("pip runs");
    if !o.status.success() {
        assert!(std::env::var_os("CI").is_none(), "maturin must install from PyPI in CI: {}", err(&o));
        eprintln!("skipped: maturin cannot be installed from PyPI (no network?): {}", err(&o));
        return None;
    }
    // target/debug/leakguard → target: the directory this test binary was built in.
    let target = lg_path().parent().and_then(Path::parent).expect("target dir").to_path_buf();
    let out_dir = tmp.join("wheels");
    let o = Command::new(bin.join("maturin"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", &target)
        .args(["build", "--profile", "dev", "--locked", "--strip", "--compatibility", "linux", "--out"])
        .arg(&out_dir)
        .output()
        .expect("maturin runs");
    assert!(o.status.success(), "maturin build: {}{}", out(&o), err(&o));
    let wheels: Vec<PathBuf> = std::fs::read_dir(&out_dir).expect("wheels").flatten().map(|e| e.path()).collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let name = wheels[0].file_name().expect("name").to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("leakguard-{}-py3-none-", env!("CARGO_PKG_VERSION"))), "{name}");
    Some(wheels[0].clone())
}

#[test]
fn wheel_installs_the_binary_that_blocks() {
    let started = Instant::now();
    let tmp = Dir::new();
    let Some(wheel) = build_wheel(tmp.path()) else { return };
    let built = started.elapsed();
    let bin = venv(&tmp.path().join("inst"));
    let o = Command::new(bin.join("pip"))
        .args(["install", "-q", "--no-index", "--disable-pip-version-check"])
        .arg(&wheel)
        .output()
        .expect("pip runs");
    assert!(o.status.success(), "pip install: {}", err(&o));
    let leakguard = bin.join("leakguard");
    let o = Command::new(&leakguard).arg("--version").output().expect("the installed binary runs");
    assert_eq!(out(&o).trim(), format!("leakguard {}", env!("CARGO_PKG_VERSION")));
    let d = Dir::new();
    d.write("export.csv", customer_csv(20));
    let o = Command::new(&leakguard)
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .env_remove("LEAKGUARD_POLICY")
        .args(["scan", "."])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("customer-list in export.csv") || out(&o).contains("customer-list in export.csv"));
    // The pre-commit framework's `language: python`: the wheel as the hook's dependency
    // (from PyPI it is `additional_dependencies: [leakguard==VERSION]`), no Rust build.
    if pre_commit_available() {
        let r = Repo::new();
        r.write(
            ".pre-commit-config.yaml",
            format!(
                "repos:\n  - repo: local\n    hooks:\n      - id: leakguard\n        name: leakguard\n        entry: leakguard hook pre-commit\n        language: python\n        additional_dependencies: ['{}']\n        pass_filenames: true\n",
                wheel.display()
            ),
        );
        r.write("list.csv", customer_csv(20));
        r.git(&["add", "."]);
        let home = Dir::new();
        let o = Command::new("pre-commit")
            .current_dir(r.path())
            .env("PRE_COMMIT_HOME", home.path())
            .env("PRE_COMMIT_COLOR", "never")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("LEAKGUARD_POLICY")
            .args(["run", "--all-files"])
            .output()
            .expect("pre-commit runs");
        assert!(!o.status.success(), "the python hook must block: {}{}", out(&o), err(&o));
        assert!(out(&o).contains("customer-list in list.csv"), "{}{}", out(&o), err(&o));
    }
    eprintln!("wheel: built in {:.1}s, whole test {:.1}s", built.as_secs_f64(), started.elapsed().as_secs_f64());
}

/// `.github/workflows/release.yml` cannot run here: it is parsed and checked for what
/// a release needs (tag trigger, the four binary platforms, `--profile dist`, wheels
/// and sdist, SHA256SUMS, a GitHub release, PyPI), job and matrix references resolve,
/// actions are pinned to a version, and every `run:` script is valid shell.
#[test]
fn wheel_release_workflow_is_complete_and_well_formed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&path).expect("release.yml");
    let wf: serde_json::Value = serde_saphyr::from_str(&text).expect("release.yml is YAML");
    assert_eq!(wf["on"]["push"]["tags"][0], "v*", "released from version tags");
    let jobs = wf["jobs"].as_object().expect("jobs");
    let mut scripts = Vec::new();
    let matrix_ref = regex::Regex::new(r"matrix\.([a-z_-]+)").expect("regex");
    for (name, job) in jobs {
        assert!(job["runs-on"].is_string(), "{name}: runs-on");
        let needs = match &job["needs"] {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        };
        for n in needs {
            assert!(jobs.contains_key(&n), "{name} needs an unknown job {n}");
        }
        let matrix_keys: Vec<Vec<String>> = job["strategy"]["matrix"]["include"]
            .as_array()
            .map(|a| a.iter().map(|e| e.as_object().expect("entry").keys().cloned().collect()).collect())
            .unwrap_or_default();
        let job_text = serde_json::to_string(job).expect("json");
        for m in matrix_ref.captures_iter(&job_text) {
            assert!(!matrix_keys.is_empty(), "{name}: matrix.{} without a matrix", &m[1]);
            assert!(
                matrix_keys.iter().all(|k| k.contains(&m[1].to_string())),
                "{name}: matrix.{} not in every entry",
                &m[1]
            );
        }
        for step in job["steps"].as_array().unwrap_or_else(|| panic!("{name}: steps")) {
            if let Some(u) = step["uses"].as_str() {
                let (action, version) = u.split_once('@').unwrap_or_else(|| panic!("{name}: {u} is not pinned"));
                assert!(action.contains('/') && !version.is_empty(), "{name}: {u}");
            }
            if let Some(r) = step["run"].as_str() {
                scripts.push((name.clone(), r.to_string()));
            }
        }
    }
    let include = jobs["build"]["strategy"]["matrix"]["include"].as_array().expect("build matrix");
    let targets: Vec<&str> = include.iter().filter_map(|e| e["target"].as_str()).collect();
    for t in ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin", "aarch64-apple-darwin"]
    {
        let entry = include.iter().find(|e| e["target"] == t).unwrap_or_else(|| panic!("{t} missing: {targets:?}"));
        assert_eq!(entry["binary"], true, "{t} ships a binary");
    }
    let maturin: Vec<&serde_json::Value> = jobs
        .values()
        .flat_map(|j| j["steps"].as_array().into_iter().flatten())
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("PyO3/maturin-action@")))
        .collect();
    assert!(maturin.iter().any(|s| s["with"]["args"].as_str().is_some_and(|a| a.contains("--profile dist"))));
    assert!(maturin.iter().any(|s| s["with"]["command"] == "sdist"));
    let release = jobs["release"].to_string();
    assert!(release.contains("SHA256SUMS") && release.contains("gh release create"), "{release}");
    assert_eq!(jobs["release"]["permissions"]["contents"], "write");
    assert_eq!(jobs["pypi"]["permissions"]["id-token"], "write", "trusted publishing");
    assert!(jobs["pypi"].to_string().contains("pypa/gh-action-pypi-publish@"));
    // Shell syntax of every script (GitHub expressions replaced by a word).
    let expr = regex::Regex::new(r"\$\{\{[^}]*\}\}").expect("regex");
    for (job, script) in scripts {
        let script = expr.replace_all(&script, "X");
        let o = Command::new("bash").args(["-n", "-c", &script]).output().expect("bash runs");
        assert!(o.status.success(), "{job}: {}\n{script}", err(&o));
    }
    // The wheel the workflow builds carries the binary.
    let pyproject =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pyproject.toml")).expect("pyproject");
    assert!(pyproject.contains("bindings = \"bin\"") && pyproject.contains("build-backend = \"maturin\""));
}
