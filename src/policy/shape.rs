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

/// Any YAML value with the place of every key and value, for checks that need the
/// document's shape rather than its meaning (unknown keys, policy examples).
#[derive(Debug)]
pub struct Node {
    pub loc: serde_saphyr::Location,
    pub kind: NodeKind,
}

#[derive(Debug)]
pub enum NodeKind {
    Map(Vec<(serde_saphyr::Spanned<String>, Node)>),
    Seq(Vec<Node>),
    /// A string scalar (other scalars are `Other`).
    Str(String),
    Other,
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<NodeKind>::deserialize(d)?;
        Ok(Node { loc: s.referenced, kind: s.value })
    }
}

impl<'de> serde::Deserialize<'de> for NodeKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeKind;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<NodeKind, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = m.next_key::<serde_saphyr::Spanned<KeyText>>()? {
                    let k = serde_saphyr::Spanned::new(k.value.0, k.referenced, k.defined);
                    out.push((k, m.next_value::<Node>()?));
                }
                Ok(NodeKind::Map(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<NodeKind, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = s.next_element::<Node>()? {
                    out.push(n);
                }
                Ok(NodeKind::Seq(out))
            }
            fn visit_str<E>(self, v: &str) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<NodeKind, E> {
                Ok(NodeKind::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<NodeKind, E> {
                Ok(NodeKind::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<NodeKind, E> {
                Ok(NodeKind::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<NodeKind, E> {
                Ok(NodeKind::Other)
            }
            fn visit_unit<E>(self) -> Result<NodeKind, E> {
                Ok(NodeKind::Other)
            }
            fn visit_none<E>(self) -> Result<NodeKind, E> {
                Ok(NodeKind::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping key of any scalar type, as text.
struct KeyText(String);

impl<'de> serde::Deserialize<'de> for KeyText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scalar key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The document's shape, or `None` when it is not YAML.
pub fn tree(text: &str) -> Option<Node> {
    serde_saphyr::from_str::<Node>(text).ok()
}
