//! Policy diagnostics: a message, a code, and a label pointing into the policy file.

use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use serde_saphyr::Location;

use crate::code::Code;

/// One problem in a policy, with the file it stands in.
#[derive(Debug, Clone)]
pub struct PolicyDiag {
    pub code: Code,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub src: Option<NamedSource<Arc<String>>>,
    pub span: Option<SourceSpan>,
}

impl std::fmt::Display for PolicyDiag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyDiag {}

impl Diagnostic for PolicyDiag {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("leakguard::{}", self.code.name())))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.code.is_warning() { miette::Severity::Warning } else { miette::Severity::Error })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h.clone()) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(self.label.clone()), span))))
    }
}

/// Byte span of a location from serde-saphyr (strings parsed from `&str` carry them).
pub fn span_of(loc: &Location, text: &str) -> Option<SourceSpan> {
    let sp = loc.span();
    if let Some(off) = sp.byte_offset() {
        let len = sp.byte_len().unwrap_or(1).max(1);
        return Some(SourceSpan::new((off as usize).into(), len as usize));
    }
    span_at(text, loc.line(), loc.column())
}

/// Span of one character at a 1-based line and column (characters); none for line 0.
pub fn span_at(text: &str, line: u64, column: u64) -> Option<SourceSpan> {
    if line == 0 {
        return None;
    }
    let line_start: usize = text.split_inclusive('\n').take(line as usize - 1).map(str::len).sum();
    let line_start = line_start.min(text.len());
    let col = text[line_start..].chars().take(column.saturating_sub(1) as usize).map(char::len_utf8).sum::<usize>();
    Some(SourceSpan::new((line_start + col).into(), 1))
}
