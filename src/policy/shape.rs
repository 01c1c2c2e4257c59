//! Reading one policy file into its raw shape (`raw`), reporting YAML syntax errors
//! with file:line:col.
//!
//! Owns the step from text to [`RawPolicy`]; must not validate ids or compile
//! anything (that is `validate`).

use super::raw::RawPolicy;
use super::{PolicyDiag, Source};
use crate::code::Code;

/// Parses one source. Every problem of its shape is returned: a YAML syntax error, or
/// every unknown key in the whole document (with `did you mean`) plus the first type
/// error serde meets. The raw policy comes back whenever serde could read it (unknown
/// keys ignored), so the caller can still run the semantic pass and report its
/// problems in the same run.
pub fn parse(src: &Source) -> (Option<RawPolicy>, Vec<miette::Report>) {
    let root = match serde_saphyr::from_str::<Node>(&src.text) {
        Ok(n) => n,
        Err(e) => return (None, vec![syntax_report(&e, src)]),
    };
    let mut diags = Vec::new();
    unknown_keys(src, &root, &SCHEMA, &SCHEMA, "", &mut diags);
    let mut reports: Vec<miette::Report> = Vec::new();
    let raw = match serde_saphyr::from_str::<RawPolicy>(&src.text) {
        Ok(raw) => Some(raw),
        Err(e) => {
            // An unknown detector or output kind is both an unknown key and serde's
            // error: report it once.
            let at = e.location().and_then(|l| super::diag::span_of(&l, &src.text)).map(|s| s.offset());
            if at.is_none() || !diags.iter().any(|d: &PolicyDiag| d.span.map(|s| s.offset()) == at) {
                reports.push(syntax_report(&e, src));
            }
            None
        }
    };
    let mut all: Vec<miette::Report> = diags.into_iter().map(miette::Report::new).collect();
    all.extend(reports);
    (raw, all)
}

/// The JSON Schema of a policy file, as `policy schema` prints it.
static SCHEMA: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    serde_json::to_value(schemars::schema_for!(RawPolicy)).unwrap_or(serde_json::Value::Null)
});

/// Follows `$ref` (only local `#/$defs/…` references exist) and picks, for a mapping,
/// the alternative of `anyOf`/`oneOf` that describes mappings: the one whose
/// properties hold the node's first key (a one-key map like a detector), else the
/// first object-like one.
fn resolve<'s>(node: &Node, schema: &'s serde_json::Value, root: &'s serde_json::Value) -> &'s serde_json::Value {
    let mut s = schema;
    for _ in 0..16 {
        if let Some(r) = s.get("$ref").and_then(|r| r.as_str()) {
            let name = r.trim_start_matches("#/$defs/");
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(x) => s = x,
                None => return s,
            }
            continue;
        }
        let alts = s.get("anyOf").or_else(|| s.get("oneOf")).and_then(|a| a.as_array());
        if let Some(alts) = alts {
            let first_key = match &node.kind {
                NodeKind::Map(m) => m.first().map(|(k, _)| k.value.as_str()),
                _ => None,
            };
            let by_key =
                alts.iter().find(|a| first_key.is_some_and(|k| a.get("properties").and_then(|p| p.get(k)).is_some()));
            if by_key.is_none() && s.get("oneOf").is_some() && matches!(node.kind, NodeKind::Map(_)) {
                // A one-key map whose key names no alternative: the caller reports it
                // with every alternative's key.
                return s;
            }
            let pick = by_key
                .or_else(|| alts.iter().find(|a| matches!(node.kind, NodeKind::Map(_)) && is_object(a, root)))
                .or_else(|| alts.iter().find(|a| matches!(node.kind, NodeKind::Seq(_)) && a.get("items").is_some()))
                .or_else(|| alts.iter().find(|a| a.get("$ref").is_some()));
            match pick {
                Some(x) => s = x,
                None => return s,
            }
            continue;
        }
        return s;
    }
    s
}

fn is_object(s: &serde_json::Value, root: &serde_json::Value) -> bool {
    let s = match s.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => root.get("$defs").and_then(|d| d.get(r.trim_start_matches("#/$defs/"))).unwrap_or(s),
        None => s,
    };
    s.get("properties").is_some() || s.get("additionalProperties").is_some() || s.get("oneOf").is_some()
}

/// Every key the schema does not allow, anywhere under `node`.
fn unknown_keys(
    src: &Source,
    node: &Node,
    schema: &serde_json::Value,
    root: &serde_json::Value,
    what: &str,
    out: &mut Vec<PolicyDiag>,
) {
    let s = resolve(node, schema, root);
    match &node.kind {
        NodeKind::Map(entries) => {
            // A one-key map chosen among alternatives (detectors, outputs) whose key
            // matched none of them.
            let alts: Vec<&serde_json::Value> = s
                .get("oneOf")
                .and_then(|a| a.as_array())
                .map(|a| a.iter().filter(|x| x.get("properties").is_some()).collect())
                .unwrap_or_default();
            let props = s.get("properties").and_then(|p| p.as_object());
            let extra = s.get("additionalProperties");
            for (k, v) in entries {
                let here = if what.is_empty() { k.value.clone() } else { format!("{what}.{}", k.value) };
                if let Some(p) = props.and_then(|p| p.get(&k.value)) {
                    unknown_keys(src, v, p, root, &here, out);
                } else if let Some(x) = extra.filter(|x| x.is_object()) {
                    unknown_keys(src, v, x, root, &here, out);
                } else if !alts.is_empty() || extra.is_some_and(|x| x == false) {
                    let mut known: Vec<&str> =
                        props.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                    for a in &alts {
                        known
                            .extend(a["properties"].as_object().into_iter().flat_map(|p| p.keys().map(String::as_str)));
                    }
                    let known_set: std::collections::HashSet<String> = known.iter().map(|k| k.to_string()).collect();
                    let mut help = super::validate::suggest(&k.value, &known_set);
                    if help.as_deref().is_some_and(|h| h.starts_with("did you mean")) {
                        known.sort_unstable();
                        help = help.map(|h| format!("{h} (keys here: {})", known.join(", ")));
                    }
                    out.push(super::load::diag_at(
                        src,
                        Code::UnknownKey,
                        &k.referenced,
                        if what.is_empty() {
                            format!("unknown key `{}`", k.value)
                        } else {
                            format!("unknown key `{}` in `{what}`", k.value)
                        },
                        "not a key leakguard knows here",
                        help,
                    ));
                }
            }
        }
        NodeKind::Seq(items) => {
            if let Some(i) = s.get("items") {
                for (n, it) in items.iter().enumerate() {
                    unknown_keys(src, it, i, root, &format!("{what}[{n}]"), out);
                }
            }
        }
        _ => {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// serde no longer refuses unknown keys (so that all of them are reported): every
    /// struct of the schema must refuse them instead.
    #[test]
    fn every_object_of_the_schema_refuses_unknown_keys() {
        fn walk(v: &serde_json::Value, path: &str) {
            if let Some(o) = v.as_object() {
                if o.contains_key("properties") {
                    assert_eq!(o.get("additionalProperties"), Some(&serde_json::Value::Bool(false)), "{path}");
                }
                for (k, x) in o {
                    walk(x, &format!("{path}/{k}"));
                }
            } else if let Some(a) = v.as_array() {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}/{i}"));
                }
            }
        }
        walk(&SCHEMA, "#");
    }
}
