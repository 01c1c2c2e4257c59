//! JSON documents (arrays, nested objects) and NDJSON: every object that directly
//! holds a contact value and at least one other field is a row.

use serde_json::Value;

use super::{Records, Table};
use crate::detect::fields::{self, Field};
use crate::detect::Text;

pub fn parse(det: &Records, t: &Text) -> Table {
    let s = t.s.trim_start_matches('\u{feff}');
    if let Ok(v) = serde_json::from_str::<Value>(s) {
        let mut tab = Table::new("json");
        walk(det, t, &v, &mut tab, 0);
        return tab;
    }
    let mut tab = Table::new("ndjson");
    for line in crate::detect::lines::lines_nl(s) {
        let l = line.trim();
        if l.starts_with('{') {
            if let Ok(v) = serde_json::from_str::<Value>(l) {
                walk(det, t, &v, &mut tab, 0);
            }
        }
    }
    tab
}

fn walk(det: &Records, t: &Text, v: &Value, tab: &mut Table, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| walk(det, t, x, tab, depth + 1)),
        Value::Object(o) => {
            // `{"jane@acme.io": {...}}`: an object keyed by address is one row per key.
            for (k, v) in o.iter().filter(|(k, _)| k.contains('@')) {
                tab.row(det, t, [k.as_str(), if v.is_null() { "" } else { "#" }]);
            }
            let scalars: Vec<(Option<Field>, &str)> = o
                .iter()
                .map(|(k, x)| {
                    let v = match x {
                        Value::String(s) => s.as_str(),
                        Value::Null => "",
                        _ => "#",
                    };
                    (fields::from_header(k), v)
                })
                .collect();
            if tab.header.is_none()
                && scalars.iter().any(|(k, s)| s.contains('@') || k.is_some_and(|k| k.direct() || k.quasi()))
            {
                tab.set_header(o.keys().map(String::as_str));
            }
            tab.row_typed(det, t, scalars);
            o.values().filter(|x| x.is_array() || x.is_object()).for_each(|x| walk(det, t, x, tab, depth + 1));
        }
        _ => {}
    }
}
