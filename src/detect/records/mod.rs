//! `records` detector: table-shaped content whose rows carry contact fields.
//!
//! Each submodule turns one shape of content into rows of fields (delimited text,
//! JSON/NDJSON, SQL `INSERT`/`COPY`, markdown and HTML tables, vCard, LDIF, mail
//! headers, and a fallback of same-shaped lines); this module types each field (from
//! its header name or its value, see [`fields`](super::fields)), counts the rows that
//! are records of the kind the detector asks for and keeps the best reading.
//!
//! Four kinds: `email` rows carry a contact address (customer lists); `phone` rows a
//! phone number; `personal` rows are records of a person — a direct identifier other
//! than an address (phone, card, IBAN, national id), or an address, a name or a
//! quasi-identifier together with another personal field; `company` rows are a
//! customer roster without contacts — a company (legal form, or a capitalised name
//! under a company/customer header) with a plan or tenant (`plan`, `tier`, `seats`,
//! `tenant` columns, or values like `premium-eu`). Values never leave as plain
//! text: only counts, header names that are header names, masked samples and a digest.

pub(crate) mod delimited;
mod json;
mod lines;
mod markup;
pub(crate) mod sql;
pub mod union;

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::emails::{self, Ignore, ValueSet};
use super::fields::{self, Field};
use super::{Loc, Text};

/// Configuration of one `records` detector.
#[derive(Debug, Clone)]
pub struct Records {
    pub min_rows: usize,
    pub need_email: bool,
    pub need_phone: bool,
    /// Rows of a customer roster: a company with a plan or tenant.
    pub need_company: bool,
    pub min_distinct_domains: usize,
    pub ignore: Ignore,
    /// Rows are counted up to `min_rows` only: set by [`Records::observe`] when only
    /// whether the detector fires is asked (see there).
    pub until_fired: bool,
}

/// The best table seen so far in one piece of content.
#[derive(Debug, Default)]
pub struct RecordsObs {
    pub format: &'static str,
    pub rows: usize,
    pub columns: usize,
    pub header: Option<String>,
    /// Sets without order (the digest sorts; the sample is the least value).
    pub emails: ValueSet,
    pub domains: ValueSet,
    /// Normalised direct identifiers of counted rows (personal records).
    pub ids: ValueSet,
    /// For each field type, the counted rows holding it.
    pub fields: std::collections::BTreeMap<Field, usize>,
    pub first: Option<Loc>,
}

impl RecordsObs {
    /// The field types that decided: those held by at least half the counted rows.
    pub fn deciding_fields(&self) -> Vec<&'static str> {
        deciding(self.fields.iter().map(|(f, &n)| (f.label(), n)), self.rows)
    }
}

/// The field types held by at least half of `rows` records, from (type, records
/// holding it) counts: what the evidence names as having decided.
pub fn deciding<'a>(fields: impl IntoIterator<Item = (&'a str, usize)>, rows: usize) -> Vec<&'a str> {
    fields.into_iter().filter(|&(_, n)| n * 2 >= rows.max(1)).map(|(f, _)| f).collect()
}

impl Records {
    /// Records of a person, whatever their fields (neither `email` nor `phone` asked).
    pub fn personal(&self) -> bool {
        !self.need_email && !self.need_phone && !self.need_company
    }

    /// What a counted record is and when the detector fires, for `policy explain`.
    pub fn rule_text(&self) -> String {
        let what = match self.kind() {
            "email" => format!(
                "a row with a contact e-mail; fires at {} rows with {} distinct addresses on ≥ {} organisations (a webmail address counts as its own)",
                self.min_rows, self.min_rows, self.min_distinct_domains
            ),
            "phone" => format!("a row with a phone number; fires at {} rows", self.min_rows),
            "company" => format!(
                "a row with a company and a plan or tenant (a customer roster without contacts); fires at {} rows",
                self.min_rows
            ),
            _ => format!(
                "a record of a person: a direct identifier (phone, card, IBAN, national id), or an e-mail, name or quasi-identifier (address, postcode, date of birth) with another personal field; fires at {} records",
                self.min_rows
            ),
        };
        format!("counts {what}. Fields are typed from header names (en, de, fr, es, it, nl, pt) or by validating values; the evidence names the fields held by at least half the records")
    }

    /// The kind of record counted, as written in a policy's `fields`.
    pub fn kind(&self) -> &'static str {
        match (self.need_email, self.need_phone, self.need_company) {
            (true, _, _) => "email",
            (_, true, _) => "phone",
            (_, _, true) => "company",
            _ => "personal",
        }
    }

    /// Rows whose e-mails cannot reach `min_rows` are not worth parsing.
    /// Phone-only tables need a header naming phones (`phone`, `tel`, `mobile`, …).
    pub fn worth_parsing(&self, t: &Text) -> bool {
        if self.need_email {
            t.emails().len() >= self.min_rows
        } else if self.need_phone {
            t.shapes().phone
        } else if self.need_company {
            fields::roster_hint(t.s)
        } else {
            t.shapes().personal
                || t.shapes().phone
                || t.emails().len() >= self.min_rows
                || fields::number_lines(t.s, self.min_rows) >= self.min_rows
        }
    }

    /// Reads the tables of `t` into `obs`. With `decided` (an earlier detector of the
    /// class fired on this whole text, so this one can only add its name to that
    /// finding), a company or phone detector whose rows only the delimited reader can
    /// produce reads up to `min_rows` rows: it fires exactly when it would have.
    pub fn observe(&self, t: &Text, obs: &mut RecordsObs, decided: bool) {
        if t.binary || !self.worth_parsing(t) {
            return;
        }
        let m = t.shapes();
        let delimited_only = !(m.json || m.sql || m.vcard || m.ldif || m.html || m.mail || m.markdown);
        if decided && delimited_only && (self.need_company || self.need_phone) && obs.rows == 0 {
            Records { until_fired: true, ..self.clone() }.read(t, obs);
        } else {
            self.read(t, obs);
        }
    }

    /// The best table of `t`'s readers, into `obs`.
    fn read(&self, t: &Text, obs: &mut RecordsObs) {
        let mut best: Option<Table> = None;
        let consider = |best: &mut Option<Table>, tab: Table| {
            if best.as_ref().is_none_or(|b| tab.score() > b.score()) {
                *best = Some(tab);
            }
        };
        let markers = t.shapes();
        if markers.json {
            consider(&mut best, json::parse(self, t));
        }
        if markers.sql {
            consider(&mut best, sql::parse(self, t));
        }
        if markers.vcard {
            consider(&mut best, markup::vcard(self, t));
        }
        if markers.ldif {
            consider(&mut best, markup::ldif(self, t));
        }
        if markers.html {
            consider(&mut best, markup::html(self, t));
        }
        if markers.mail {
            consider(&mut best, markup::mail_headers(self, t));
        }
        if markers.markdown {
            consider(&mut best, markup::markdown(self, t));
        }
        consider(&mut best, delimited::parse(self, t));
        if best.as_ref().is_none_or(|b| !self.table_fires(b)) && self.need_email {
            consider(&mut best, lines::parse(self, t));
        }
        if let Some(tab) = best {
            obs.merge(tab, t);
        }
    }

    /// Enough records; with `email`, enough distinct addresses on enough organisations
    /// (an address on a consumer mail host is an organisation of its own).
    pub fn fired(&self, obs: &RecordsObs) -> bool {
        obs.rows >= self.min_rows
            && (!self.need_email
                || (obs.emails.len() >= self.min_rows && obs.domains.len() >= self.min_distinct_domains))
    }

    /// The number of non-empty cells of a row this detector cannot count, judged from
    /// each cell's byte classes (`masks`, see [`fields::class`]) and its column's
    /// type: no address, and no cell a validator the detector runs could type. `None`
    /// when some cell may count (then the row is read by [`Table::row`]). Such a row
    /// changes nothing but the table's column count.
    fn inert_row(&self, types: &[Option<Field>], cells: &[&str], masks: &[u16]) -> Option<usize> {
        use fields::class::*;
        let personal = self.personal();
        let mut nonempty = 0;
        for (j, (&f, &m)) in cells.iter().zip(masks).enumerate() {
            if m & !WHITE == 0 {
                continue; // empty once trimmed
            }
            let v = fields::trim(f);
            if v.is_empty() {
                continue;
            }
            let m = if v.len() == f.len() { m } else { fields::class::of(v) };
            nonempty += 1;
            if m & AT != 0 || (self.need_phone && m & DIGIT != 0) {
                return None;
            }
            let named = types.get(j).copied().flatten();
            let inert = if self.need_company {
                // A company starts with a capital, a plan value with a plan word.
                let letter_first = v.as_bytes()[0].is_ascii_alphabetic() || !v.as_bytes()[0].is_ascii();
                match named {
                    Some(Field::Plan | Field::Tenant) => false,
                    Some(Field::Company) | None => !letter_first,
                    Some(_) => true,
                }
            } else if personal {
                match named {
                    Some(Field::Email | Field::Other) => true,
                    None | Some(Field::Plan | Field::Tenant) => fields::value_inert(v, m),
                    Some(_) => false,
                }
            } else {
                true
            };
            if !inert {
                return None;
            }
        }
        Some(nonempty)
    }

    fn table_fires(&self, t: &Table) -> bool {
        t.rows >= self.min_rows
            && (!self.need_email || (t.emails.len() >= self.min_rows && t.domains.len() >= self.min_distinct_domains))
    }
}

impl RecordsObs {
    fn merge(&mut self, tab: Table, t: &Text) {
        if tab.rows == 0 {
            return;
        }
        if self.rows == 0 {
            self.format = tab.format;
            self.columns = tab.columns;
            self.header = tab.header;
        }
        self.rows += tab.rows;
        if self.first.is_none() {
            self.first = tab.first.map(|(s, e)| t.loc(s, e, true));
        }
        for (f, n) in tab.fields {
            *self.fields.entry(f).or_default() += n;
        }
        // The first table of a text (below the cap, as a table always is): its sets
        // are the observation's, moved rather than hashed a second time. A table's
        // domains are the organisations of its addresses, as `merge` would compute.
        if self.emails.is_empty() && tab.emails.len() <= 100_000 {
            self.emails = tab.emails;
            self.domains = tab.domains;
        } else {
            self.merge_emails(tab.emails);
        }
        if self.ids.is_empty() && tab.ids.len() <= 100_000 {
            self.ids = tab.ids;
        } else {
            self.merge_ids(tab.ids);
        }
    }

    fn merge_ids(&mut self, ids: ValueSet) {
        for v in sorted_if_capped(&ids, self.ids.len()) {
            if self.ids.len() >= 100_000 {
                break;
            }
            self.ids.insert(v);
        }
    }

    fn merge_emails(&mut self, emails: ValueSet) {
        for e in sorted_if_capped(&emails, self.emails.len()) {
            if self.emails.len() >= 100_000 {
                break;
            }
            self.domains.insert(emails::org_of(e));
            self.emails.insert(e);
        }
    }
}

/// Up to the cap, the least values first (as a sorted set kept them): the same
/// values on every run whatever the sets' order.
fn sorted_if_capped(set: &ValueSet, held: usize) -> Vec<&str> {
    let mut v: Vec<&str> = set.iter().collect();
    if held + v.len() > 100_000 {
        v.sort_unstable();
    }
    v
}

/// Rows counted by one reading of the content.
#[derive(Debug, Default)]
pub struct Table {
    pub format: &'static str,
    pub rows: usize,
    pub columns: usize,
    pub header: Option<String>,
    pub emails: ValueSet,
    pub domains: ValueSet,
    pub ids: ValueSet,
    pub fields: std::collections::BTreeMap<Field, usize>,
    /// Field type of each column, from the header.
    pub types: Vec<Option<Field>>,
    /// Byte range (in the text) of the first counted contact value.
    pub first: Option<(usize, usize)>,
    /// Buffers of [`Table::row_scratch`].
    scratch: [String; 2],
    /// Set by a reader whose cells are slices of the text bounded by delimiters and
    /// line ends, handed over in the text's order: the addresses of a cell are then
    /// the text's own ([`Text::emails`]) inside it, this the index of the next one.
    in_text: Option<usize>,
}

impl Table {
    fn new(format: &'static str) -> Self {
        Table { format, ..Default::default() }
    }

    fn score(&self) -> (usize, usize) {
        (self.rows.min(self.emails.len().max(1)), self.rows)
    }

    /// Counts one row given its fields, typed by column from the header.
    fn row<'a>(&mut self, det: &Records, t: &Text, fields: impl IntoIterator<Item = &'a str>) {
        let types = std::mem::take(&mut self.types);
        self.row_typed(det, t, fields.into_iter().enumerate().map(|(j, f)| (types.get(j).copied().flatten(), f)));
        self.types = types;
    }

    /// The contact address of cell `f`, normalised into `norm`, unless ignored.
    fn contact_address<'a>(&mut self, det: &Records, t: &Text, f: &'a str, norm: &mut String) -> Option<&'a str> {
        let found = match self.in_text.as_mut() {
            Some(k) => contact_email_in_text(t, f, k),
            None => contact_email(f),
        }?;
        emails::normalise_into(found, norm);
        (!det.ignore.ignored(norm)).then_some(found)
    }

    /// Counts one row given its fields and what their names announce (a header, JSON
    /// keys, vCard or LDIF attributes).
    fn row_typed<'a>(&mut self, det: &Records, t: &Text, fields: impl IntoIterator<Item = (Option<Field>, &'a str)>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.row_scratch(det, t, fields, &mut scratch);
        self.scratch = scratch;
    }

    /// [`Table::row_typed`] with buffers reused from row to row: `norm` holds the
    /// row's address normalised, `key` the digest's value.
    fn row_scratch<'a>(
        &mut self,
        det: &Records,
        t: &Text,
        fields: impl IntoIterator<Item = (Option<Field>, &'a str)>,
        [norm, key]: &mut [String; 2],
    ) {
        if det.until_fired && self.rows >= det.min_rows {
            return;
        }
        let mut nonempty = 0usize;
        let mut email: Option<&str> = None;
        let mut phone = false;
        let mut kinds = Kinds::default();
        let mut id: Option<&str> = None;
        let mut first_value: Option<&str> = None;
        let personal = det.personal();
        // A roster row's first cell holding an `@` is read for its address only when
        // the row counts, or a second such cell needs to know whether it gave one: a
        // roster counts companies with plans, and most rows of a contact list are none.
        let mut pending: Option<&str> = None;
        for (named, f) in fields {
            let f = fields::trim(f);
            if f.is_empty() {
                continue;
            }
            nonempty += 1;
            if email.is_none() && memchr::memchr(b'@', f.as_bytes()).is_some() {
                if det.need_company && pending.is_none() {
                    pending = Some(f);
                    continue;
                }
                if let Some(p) = pending.take() {
                    email = self.contact_address(det, t, p, norm);
                }
                if email.is_none() {
                    email = self.contact_address(det, t, f, norm);
                    continue;
                }
            }
            if det.need_phone && !phone {
                phone = fields::is_phone(f);
            }
            if det.need_company {
                let kind = match named {
                    Some(Field::Plan) if fields::is_sponsor_tier(f) => None,
                    Some(Field::Plan | Field::Tenant) => named,
                    Some(Field::Company) if fields::is_company(f) || company_name(f) => Some(Field::Company),
                    Some(_) => None,
                    None if fields::is_company(f) => Some(Field::Company),
                    None => fields::is_plan_value(f).then_some(Field::Plan),
                };
                if kind == Some(Field::Company) && first_value.is_none() {
                    first_value = Some(f);
                }
                if let Some(k) = kind {
                    kinds.insert(k);
                }
                continue;
            }
            if !personal {
                continue;
            }
            let kind = match named {
                Some(Field::Phone) if fields::is_phone(f) => Some(Field::Phone),
                Some(Field::Card) if fields::is_card(f) => Some(Field::Card),
                Some(Field::Iban) if fields::is_iban(f) => Some(Field::Iban),
                Some(Field::NationalId) if fields::is_named_national_id(f) => Some(Field::NationalId),
                Some(Field::Birthdate) if fields::is_birthdate(f) => Some(Field::Birthdate),
                Some(k @ (Field::Name | Field::Address | Field::Company)) if f.chars().any(char::is_alphabetic) => {
                    Some(k)
                }
                Some(Field::Postcode) if f.bytes().any(|c| c.is_ascii_digit()) && f.len() <= 10 => {
                    Some(Field::Postcode)
                }
                Some(Field::Email | Field::Other) => None,
                _ => fields::from_value(f).or_else(|| fields::looks_like_name(f).then_some(Field::Name)),
            };
            if let Some(k) = kind {
                if k.direct() && id.is_none() {
                    id = Some(f);
                }
                if first_value.is_none() && (k.direct() || k == Field::Name) {
                    first_value = Some(f);
                }
                kinds.insert(k);
            }
        }
        self.columns = self.columns.max(nonempty);
        if nonempty < 2 || (det.need_email && email.is_none()) || (det.need_phone && !phone) {
            return;
        }
        if det.need_company
            && !(kinds.contains(&Field::Company) && (kinds.contains(&Field::Plan) || kinds.contains(&Field::Tenant)))
        {
            return;
        }
        if let Some(p) = pending {
            email = self.contact_address(det, t, p, norm);
        }
        if email.is_some() {
            kinds.insert(Field::Email);
        }
        if personal {
            // A person's record: a direct identifier other than an address; or an
            // address, a name or a quasi-identifier with another personal field.
            let other_direct = kinds.any(|k| k.direct() && k != Field::Email);
            let name = kinds.contains(&Field::Name);
            let quasi = kinds.any(|k| k.quasi());
            let ok = other_direct || (email.is_some() && (name || quasi)) || (name && quasi);
            if !ok {
                return;
            }
        }
        self.rows += 1;
        for k in kinds.iter() {
            *self.fields.entry(k).or_default() += 1;
        }
        if let Some(a) = email {
            if self.first.is_none() {
                self.first = locate(t.s, a);
            }
            if self.emails.len() < 100_000 {
                if self.emails.is_empty() {
                    // At most one entry per address of the text: no growing by doubling.
                    let n = t.emails().len().min(100_000);
                    self.emails.reserve(n);
                    self.domains.reserve(n);
                }
                self.domains.insert(emails::org_of(norm));
                if personal {
                    self.ids.insert(norm);
                }
                self.emails.insert(norm);
            }
        } else if self.first.is_none() {
            self.first = first_value.and_then(|v| locate(t.s, v)).or(Some((0, 0)));
        }
        // The digest's values: the direct identifier, else the name of a name + address row.
        let keyed = (personal && email.is_none()) || det.need_company;
        if let Some(v) = id.or(first_value).filter(|_| keyed && self.ids.len() < 100_000) {
            // `v.split_whitespace().collect::<String>().to_uppercase()`, in `key`.
            key.clear();
            v.split_whitespace().for_each(|w| key.push_str(w));
            if key.is_ascii() {
                key.make_ascii_uppercase();
            } else {
                *key = key.to_uppercase();
            }
            self.ids.insert(key);
        }
    }

    fn set_header<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        let names: Vec<String> = names
            .into_iter()
            .map(|n| n.trim().trim_matches('"').to_lowercase())
            .map(|n| n.chars().take(32).collect())
            .collect();
        self.types = names.iter().map(|n| fields::from_header(n)).collect();
        // Shown only as header names: a name that is neither a known field nor a plain
        // identifier (`tenant_id`) may be a value, and is shown as `…`.
        let shown: Vec<&str> = names
            .iter()
            .zip(&self.types)
            .filter(|(n, _)| !n.is_empty())
            .map(|(n, ty)| if ty.is_some() || plain_identifier(n) { n.as_str() } else { "…" })
            .collect();
        if shown.iter().any(|n| *n != "…") {
            self.header = Some(shown.join(","));
        }
    }
}

/// The field types of one row: a set without allocation, iterated in `Field` order.
#[derive(Default, Clone, Copy)]
struct Kinds(u16);

impl Kinds {
    const ALL: [Field; 13] = [
        Field::Email,
        Field::Phone,
        Field::Card,
        Field::Iban,
        Field::NationalId,
        Field::Name,
        Field::Address,
        Field::Postcode,
        Field::Birthdate,
        Field::Company,
        Field::Plan,
        Field::Tenant,
        Field::Other,
    ];

    fn insert(&mut self, f: Field) {
        self.0 |= 1 << f as u16;
    }

    fn contains(&self, f: &Field) -> bool {
        self.0 & (1 << *f as u16) != 0
    }

    /// The set bits, lowest (first declared) first.
    fn iter(self) -> impl Iterator<Item = Field> {
        let mut m = self.0;
        std::iter::from_fn(move || {
            (m != 0).then(|| {
                let i = m.trailing_zeros() as usize;
                m &= m - 1;
                Self::ALL[i]
            })
        })
    }

    /// Some field of the set is `f(field)`.
    fn any(self, f: impl Fn(Field) -> bool) -> bool {
        self.0 != 0 && self.iter().any(f)
    }
}

#[cfg(test)]
mod kinds_tests {
    use super::*;

    #[test]
    fn kinds_iterate_in_field_order() {
        for (i, f) in Kinds::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?}");
        }
        let mut k = Kinds::default();
        for f in [Field::Other, Field::Email, Field::Postcode, Field::Card] {
            k.insert(f);
        }
        assert_eq!(k.iter().collect::<Vec<_>>(), [Field::Email, Field::Card, Field::Postcode, Field::Other]);
        assert!(k.any(Field::quasi) && !Kinds::default().any(|_| true));
    }

    /// A cell's contact address read from the text's addresses is the one found by
    /// searching the cell, on generated comma-separated texts.
    #[test]
    fn contact_from_the_text_agrees_with_searching_the_cell() {
        let alphabet: &[&str] = &[
            "a",
            "Zo",
            "7",
            ".",
            "-",
            "_",
            "+",
            "'",
            "@",
            "@",
            "@",
            "acme",
            ".io",
            ".de",
            ".png",
            " ",
            ",",
            ",",
            "\n",
            "\r",
            "/",
            "://",
            "http:",
            "mailto:",
            "<",
            ">",
            "\"",
            "(",
            ")",
            ";",
            "|",
            "\t",
            "é",
            "jane@acme.io",
            "x@y.com",
        ];
        let mut x: u32 = 11;
        let mut cells_with_address = 0;
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..(round % 60) {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                text.push_str(alphabet[(x >> 24) as usize % alphabet.len()]);
            }
            if round % 7 == 0 {
                text.push_str(&"q".repeat(70 + round % 2100)); // long local parts and tokens
                text.push_str("@acme.io,b@c.de");
            }
            let t = Text::new(&text, false);
            let mut k = 0;
            let mut start = 0;
            for (i, c) in text.char_indices().chain([(text.len(), '\n')]) {
                if matches!(c, ',' | '\n' | '\r') {
                    let f = fields::trim(&text[start..i]);
                    if !f.is_empty() && f.contains('@') {
                        cells_with_address += usize::from(contact_email(f).is_some());
                        assert_eq!(contact_email_in_text(&t, f, &mut k), contact_email(f), "{f:?} in {text:?}");
                    }
                    start = i + 1;
                }
            }
        }
        assert!(cells_with_address > 500, "{cells_with_address}");
    }
}

/// A company under a header naming companies: a capitalised name of one to six words
/// with a letter in each, not an identifier (`acme`, `t-1042`).
fn company_name(f: &str) -> bool {
    let words = f.split_whitespace().count();
    (1..=6).contains(&words)
        && f.len() <= 80
        && f.chars().next().is_some_and(char::is_uppercase)
        && f.split_whitespace().all(|w| w.chars().any(char::is_alphabetic))
}

/// `tenant_id`, `plan`, `created-at`: lower-case ASCII words joined by `_` or `-`,
/// without long digit runs — a column name, not a value.
fn plain_identifier(n: &str) -> bool {
    (1..=24).contains(&n.len())
        && n.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
        && n.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && n.bytes().filter(u8::is_ascii_digit).count() < 3
}

/// Byte range of the first occurrence of `needle` in `hay` (both from the same text).
fn locate(hay: &str, needle: &str) -> Option<(usize, usize)> {
    let s = needle.as_ptr() as usize;
    let h = hay.as_ptr() as usize;
    if s >= h && s + needle.len() <= h + hay.len() {
        return Some((s - h, s - h + needle.len()));
    }
    memchr::memmem::find(hay.as_bytes(), needle.as_bytes()).map(|i| (i, i + needle.len()))
}

/// The address a field holds as a contact: the field is the address, `mailto:` it,
/// or `Name <address>`; an address inside a URL (`http://user@host/`) or in running
/// text with other addresses is not a contact field.
fn contact_email(f: &str) -> Option<&str> {
    // The first address, and whether there is a second: no list collected.
    let (mut first, mut n) = (None, 0);
    emails::each(f, |sp| {
        n += 1;
        first.get_or_insert(sp);
        n < 2
    });
    contact_of(f, first?, n)
}

/// [`contact_email`] of `f`, a trimmed cell that is a slice of `t.s` between two
/// delimiters or line ends (none of which an address or the URL test reads across),
/// from the text's addresses: `k` (the index of the first address not before the
/// cells already read) moves forward, the cell is not searched again.
fn contact_email_in_text<'a>(t: &Text, f: &'a str, k: &mut usize) -> Option<&'a str> {
    let spans = t.emails();
    let fs = f.as_ptr() as usize - t.s.as_ptr() as usize;
    let fe = fs + f.len();
    while spans.get(*k).is_some_and(|sp| sp.0 < fs) {
        *k += 1;
    }
    let inside = |i: usize| spans.get(i).is_some_and(|sp| sp.0 < fe);
    if !inside(*k) {
        return None;
    }
    let (s, e) = spans[*k];
    contact_of(f, (s - fs, e - fs), 1 + usize::from(inside(*k + 1)))
}

/// The contact address of `f` given its first address `(s, e)` and how many it holds
/// (counted up to two).
fn contact_of(f: &str, (s, e): emails::Span, n: usize) -> Option<&str> {
    if n > 1 || f.contains("://") {
        return None;
    }
    let before = f[..s].trim_end();
    let before = before.strip_suffix("mailto:").unwrap_or(before).trim_end();
    let before = before.strip_suffix('<').unwrap_or(before);
    let after = f[e..].trim_start_matches(['>', '"', '\'', ' ', ')', ']', ';', ',', '.']);
    let name_ok = before.chars().all(|c| c.is_alphabetic() || " .,'\"-()".contains(c)) && before.chars().count() <= 80;
    (name_ok && after.is_empty()).then_some(&f[s..e])
}

/// Column names that make a header row a contact table.
pub const HEADER_HINTS: &[&str] = &[
    "company", "tenant", "group", "admin", "email", "e-mail", "mail", "customer", "contact", "org", "account", "name",
    "phone", "firma", "kunde", "client",
];

/// Which shapes the content may hold. The literals in [`SHAPE_MARKERS`] are found
/// by the scanner's one case-insensitive Aho-Corasick pass (with the keywords).
#[derive(Debug, Clone, Copy, Default)]
pub struct Shapes {
    pub json: bool,
    pub sql: bool,
    pub vcard: bool,
    pub ldif: bool,
    pub html: bool,
    pub mail: bool,
    pub markdown: bool,
    pub phone: bool,
    /// A header word of a personal field (address, birth date, IBAN, card, national id, name).
    pub personal: bool,
}

/// Case-insensitive literals announcing a shape; see [`Shapes::mark`].
pub const SHAPE_MARKERS: &[&str] = &[
    "insert into",
    "\ncopy ",
    "begin:vcard",
    "\ndn:",
    "<tr",
    "\nto:",
    "\ncc:",
    "\nbcc:",
    "\n|",
    "phone",
    "mobile",
    "telefon",
    "msisdn",
    "tel:",
    "tel,",
    ",tel",
    "\ttel",
];

impl Shapes {
    /// What the start of the text says by itself.
    pub fn start(s: &str) -> Shapes {
        let first = s.trim_start_matches('\u{feff}').trim_start().bytes().next();
        Shapes {
            json: matches!(first, Some(b'[' | b'{')),
            sql: starts_with_ci(s, "copy "),
            ldif: s.starts_with("dn:"),
            mail: starts_with_ci(s, "to:") || starts_with_ci(s, "from:") || starts_with_ci(s, "cc:"),
            markdown: s.starts_with('|'),
            ..Default::default()
        }
    }

    /// Records that `SHAPE_MARKERS[i]` occurs.
    pub fn mark(&mut self, i: usize) {
        match i {
            0 | 1 => self.sql = true,
            2 => {
                self.vcard = true;
                self.personal = true;
            }
            3 => self.ldif = true,
            4 => self.html = true,
            5..=7 => self.mail = true,
            8 => self.markdown = true,
            _ => self.phone = true,
        }
    }

    /// One pass of its own, for texts not prepared by the scanner.
    pub fn find(s: &str) -> Shapes {
        static AC: LazyLock<AhoCorasick> = LazyLock::new(|| super::literals::case_insensitive(SHAPE_MARKERS));
        let mut m = Shapes::start(s);
        for hit in AC.find_iter(s) {
            m.mark(hit.pattern().as_usize());
        }
        m
    }
}

pub(super) fn starts_with_ci(s: &str, p: &str) -> bool {
    s.len() >= p.len() && s.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
}
