//! Reading one policy file into its raw shape (`raw`), reporting YAML syntax errors
//! with file:line:col.
//!
//! Owns the step from text to [`RawPolicy`]; must not validate ids or compile
//! anything (that is `validate`).

use super::raw::RawPolicy;
use super::{PolicyDiag, Source};
use crate::code::Code;

/// Parses one source; every problem found is returned.
pub fn parse(src: &Source) -> Result<RawPolicy, Vec<miette::Report>> {
    serde_saphyr::from_str::<RawPolicy>(&src.text).map_err(|e| vec![syntax_report(&e, src)])
}

fn syntax_report(e: &serde_saphyr::Error, src: &Source) -> miette::Report {
    let loc = e.location();
    let message = e.to_string();
    let first = message.lines().next().unwrap_or("invalid policy");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // serde-saphyr prefixes `line N column M: `; the label already points there.
    let first = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") && head.contains(" column ") => rest,
        _ => first,
    }
    .to_string();
    let span = loc.and_then(|l| super::diag::span_of(&l, &src.text));
    miette::Report::new(PolicyDiag {
        code: Code::PolicySyntax,
        message: first.trim_end_matches(':').to_string(),
        label: "here".into(),
        help: Some("`leakguard policy schema` prints every key a policy may have".into()),
        src: Some(miette::NamedSource::new(&src.name, src.text.clone())),
        span,
    })
}
