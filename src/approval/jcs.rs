//! RFC 8785 JSON Canonicalization Scheme (JCS) over `serde_json::Value`.
//!
//! Written by hand so the bytes never depend on how serde_json happens to be built
//! (its `preserve_order` feature, turned on by any crate in the build, would change
//! key order silently). Object members are sorted by the UTF-16 code units of their
//! names, strings use the minimal JSON escapes, numbers the ECMAScript shortest form,
//! and there is no white space. Requests and audit lines are hashed over these bytes.
//!
//! Owns canonical JSON only. Imports nothing but serde_json.

use serde_json::{Number, Value};

/// The canonical text of `v`.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// Parses JSON text and returns its canonical form.
pub fn canonicalize(json: &[u8]) -> Result<String, String> {
    serde_json::from_slice::<Value>(json).map(|v| canonical(&v)).map_err(|e| e.to_string())
}

/// [`canonicalize`] for texts whose numbers are all integers (as in requests and audit
/// lines), `None` otherwise: exact, whatever float parser serde_json was built with.
pub fn canonicalize_exact(json: &[u8]) -> Option<String> {
    fn floats(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.is_f64(),
            Value::Array(a) => a.iter().any(floats),
            Value::Object(m) => m.values().any(floats),
            _ => false,
        }
    }
    let v: Value = serde_json::from_slice(json).ok()?;
    (!floats(&v)).then(|| canonical(&v))
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => number(n, out),
        Value::String(s) => string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut members: Vec<(&String, &Value)> = m.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, x)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(k, out);
                out.push(':');
                write(x, out);
            }
            out.push('}');
        }
    }
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        out.push_str(&i.to_string());
    } else if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
    } else if let Some(f) = n.as_f64() {
        out.push_str(&es6_number(f));
    }
}

/// ECMAScript `Number.prototype.toString` of a finite double (RFC 8785 §3.2.2.3).
pub fn es6_number(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        // -0 serialises as 0; JSON has no NaN or infinities (serde_json never holds them).
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let esign = if e < 0 { "-" } else { "+" };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{esign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{esign}{}", e.abs())
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc8785_examples() {
        // RFC 8785 §3.2.3 (sorting by UTF-16 code units) and §3.2.2 (escapes).
        let v: Value = serde_json::from_str(
            r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#,
        )
        .expect("json");
        let keys: Vec<String> = canonical(&v)
            .split("\",\"")
            .map(|p| p.trim_start_matches("{\"").split('"').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(keys, ["\\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1f600}", "\u{fb33}"]);
        assert_eq!(canonical(&json!({"b": [1, "x\u{1f}\"\\"], "a": null})), r#"{"a":null,"b":[1,"x\u001f\"\\"]}"#);
    }

    #[test]
    fn es6_numbers() {
        for (f, s) in [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5, "1.5"),
            (-0.000001, "-0.000001"),
            (1e-7, "1e-7"),
            (123.456e-10, "1.23456e-8"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-0.0, "0"),
            (333333333.3333333, "333333333.3333333"),
        ] {
            assert_eq!(es6_number(f), s, "{f:e}");
        }
    }
}
