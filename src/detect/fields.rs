//! Field types of personal records: what a column holds, from its header name (en, de,
//! fr, es, it, nl, pt) or from its values through real validators — payment cards
//! (Luhn and issuer ranges), IBANs (ISO 7064 mod 97), national ids with a checksum (US
//! SSN ranges, UK NINO, ES DNI/NIE, NL BSN 11-test, BR CPF, FR NIR mod 97, IT codice
//! fiscale check letter, DE Steuer-ID ISO 7064 mod 11,10, IN Aadhaar Verhoeff), phone numbers (a
//! documented plausibility check, not libphonenumber), street addresses (house number
//! and a street word), companies (legal forms).
//!
//! Owns the vocabulary and validators only: no table reading, no thresholds. Must not
//! import the policy model, the engine or reports.

use super::literals::{ascii_lower, word_set, WordSet};

/// What one field of a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Email,
    Phone,
    Card,
    Iban,
    NationalId,
    Name,
    Address,
    Postcode,
    Birthdate,
    Company,
    /// A subscription plan, tier or seat count (`plan`, `tier`, `premium-eu`).
    Plan,
    /// A tenant, workspace or instance of a hosted service.
    Tenant,
    /// A column known to hold something else (product codes, order numbers): its
    /// values are not typed, though a card validator might pass one in ten.
    Other,
}

impl Field {
    /// A direct identifier: one value names one person.
    pub fn direct(self) -> bool {
        matches!(self, Field::Email | Field::Phone | Field::Card | Field::Iban | Field::NationalId)
    }

    /// A quasi-identifier: with a name, it singles out one person.
    pub fn quasi(self) -> bool {
        matches!(self, Field::Address | Field::Postcode | Field::Birthdate)
    }

    /// The name used in evidence.
    pub fn label(self) -> &'static str {
        match self {
            Field::Email => "e-mail",
            Field::Phone => "phone",
            Field::Card => "payment card",
            Field::Iban => "IBAN",
            Field::NationalId => "national id",
            Field::Name => "name",
            Field::Address => "street address",
            Field::Postcode => "postcode",
            Field::Birthdate => "date of birth",
            Field::Company => "company",
            Field::Plan => "plan",
            Field::Tenant => "tenant",
            Field::Other => "other",
        }
    }
}

/// Header words per field type, lower-case, compared after folding `-`, ` `, `.` to
/// `_`. A header matches when it equals a word or holds it as an `_`-separated part
/// (`admin_email`, `contact_phone`, `billing_street`).
const VOCAB: &[(Field, &[&str])] = &[
    (
        Field::Email,
        &[
            "email",
            "e_mail",
            "mail",
            "emailaddress",
            "email_address",
            "courriel",
            "correo",
            "correo_electronico",
            "posta_elettronica",
            "emailadres",
            "e_mailadres",
            "mailadresse",
        ],
    ),
    (
        Field::Phone,
        &[
            "phone",
            "telephone",
            "tel",
            "mobile",
            "cell",
            "cellphone",
            "msisdn",
            "phonenumber",
            "phone_number",
            "telefon",
            "telefonnummer",
            "handy",
            "mobil",
            "mobilnummer",
            "téléphone",
            "portable",
            "teléfono",
            "telefono",
            "móvil",
            "movil",
            "celular",
            "cellulare",
            "telefoon",
            "telefoonnummer",
            "mobiel",
            "telemóvel",
            "telemovel",
            "telefone",
        ],
    ),
    (
        Field::Card,
        &[
            "card_number",
            "cardnumber",
            "card_no",
            "cc_number",
            "ccnumber",
            "credit_card",
            "creditcard",
            "pan",
            "kreditkarte",
            "kartennummer",
            "carte_bancaire",
            "numero_carte",
            "tarjeta",
            "numero_tarjeta",
            "carta_di_credito",
            "creditcardnummer",
            "cartao",
            "cartão",
        ],
    ),
    (Field::Iban, &["iban", "account_number", "kontonummer", "bankverbindung", "rekeningnummer", "conto", "cuenta"]),
    (
        Field::NationalId,
        &[
            "ssn",
            "social_security",
            "social_security_number",
            "national_id",
            "nino",
            "ni_number",
            "dni",
            "nie",
            "nif",
            "bsn",
            "cpf",
            "codice_fiscale",
            "steuer_id",
            "steuerid",
            "steuernummer",
            "tax_id",
            "taxid",
            "nir",
            "numéro_de_sécurité_sociale",
            "numero_de_securite_sociale",
            "sécurité_sociale",
            "securite_sociale",
            "num_secu",
            "numero_secu",
            "codicefiscale",
            "steueridentifikationsnummer",
            "steuer_identifikationsnummer",
            "identifikationsnummer",
            "idnr",
            "aadhaar",
            "aadhar",
            "aadhaar_number",
            "aadhaar_no",
            "personalausweis",
            "sozialversicherungsnummer",
            "burgerservicenummer",
        ],
    ),
    (
        Field::Name,
        &[
            "name",
            "full_name",
            "fullname",
            "first_name",
            "firstname",
            "given_name",
            "givenname",
            "last_name",
            "lastname",
            "surname",
            "family_name",
            "contact_name",
            "contactname",
            "customer_name",
            "vorname",
            "nachname",
            "familienname",
            "nom",
            "prénom",
            "prenom",
            "nom_complet",
            "nombre",
            "apellido",
            "apellidos",
            "nome",
            "cognome",
            "naam",
            "voornaam",
            "achternaam",
            "sobrenome",
            "ansprechpartner",
            "contact",
            "contactfirstname",
            "contactlastname",
            "empfänger",
            "empfaenger",
            "kontoinhaber",
            "beneficiary",
            "payee",
            "account_holder",
            "titular",
            "intestatario",
            "begunstigde",
        ],
    ),
    (
        Field::Address,
        &[
            "address",
            "street",
            "street_address",
            "address1",
            "address_line1",
            "addressline1",
            "adresse",
            "anschrift",
            "straße",
            "strasse",
            "rue",
            "dirección",
            "direccion",
            "calle",
            "domicilio",
            "indirizzo",
            "via",
            "adres",
            "straat",
            "endereço",
            "endereco",
            "rua",
            "morada",
        ],
    ),
    (
        Field::Postcode,
        &[
            "zip",
            "zipcode",
            "zip_code",
            "postcode",
            "postal_code",
            "postalcode",
            "plz",
            "postleitzahl",
            "code_postal",
            "codigo_postal",
            "código_postal",
            "cap",
            "cep",
            "postcode",
        ],
    ),
    (
        Field::Birthdate,
        &[
            "dob",
            "date_of_birth",
            "birthdate",
            "birth_date",
            "birthday",
            "geburtsdatum",
            "geburtstag",
            "date_de_naissance",
            "date_naissance",
            "fecha_de_nacimiento",
            "fecha_nacimiento",
            "data_di_nascita",
            "data_nascita",
            "geboortedatum",
            "data_de_nascimento",
            "data_nascimento",
        ],
    ),
    (
        Field::Other,
        &[
            "id",
            "ean",
            "ean13",
            "gtin",
            "upc",
            "isbn",
            "sku",
            "barcode",
            "serial",
            "serial_number",
            "imei",
            "order",
            "order_id",
            "order_number",
            "invoice",
            "invoice_number",
            "tracking",
            "tracking_number",
            "product",
            "product_id",
            "price",
            "amount",
            "qty",
            "quantity",
            "version",
            "timestamp",
            "hash",
            "checksum",
            "uuid",
        ],
    ),
    (
        Field::Company,
        &[
            "company",
            "company_name",
            "companyname",
            "organisation",
            "organization",
            "org",
            "firma",
            "unternehmen",
            "société",
            "societe",
            "entreprise",
            "empresa",
            "azienda",
            "società",
            "societa",
            "bedrijf",
            "customer",
            "customers",
            "client",
            "clients",
            "kunde",
            "kunden",
            "cliente",
            "clientes",
            "klant",
            "account",
        ],
    ),
    (
        Field::Plan,
        &[
            "plan",
            "plans",
            "plan_name",
            "pricing_plan",
            "tier",
            "subscription",
            "subscription_plan",
            "subscription_tier",
            "seats",
            "seat_count",
            "mrr",
            "arr",
            "abo",
            "abonnement",
            "tarif",
            "suscripción",
            "suscripcion",
            "abbonamento",
            "assinatura",
            "plano",
        ],
    ),
    (
        Field::Tenant,
        &[
            "tenant",
            "tenants",
            "tenant_id",
            "tenantid",
            "tenant_name",
            "workspace",
            "workspace_id",
            "mandant",
            "mandant_id",
        ],
    ),
];

impl Field {
    /// How a value of this type is recognised, as documented by `policy explain`.
    pub fn validator(self) -> &'static str {
        match self {
            Field::Email => "an address that is the whole field (or `Name <addr>`, `mailto:`), not inside a URL, not reserved (RFC 2606/6761) or noreply",
            Field::Phone => "7–15 digits with `+ - ( ) . /` or spaces, starting with `+`, `0`, `(` or grouped; not a date, not one repeated digit (a plausibility check, not libphonenumber); without a header only when written `+…`",
            Field::Card => "13–19 digits of a known issuer range (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro) with a valid Luhn digit",
            Field::Iban => "country code, ISO 7064 mod 97 check digits, the country's length",
            Field::NationalId => "by value: US SSN ranges, UK NINO, ES DNI/NIE letter, BR CPF digits, FR NIR key (97 − n mod 97, Corsica 2A/2B), IT codice fiscale check letter; under a header only: NL BSN 11-test, DE Steuer-ID (ISO 7064 mod 11,10 and its digit-repetition rule), IN Aadhaar (Verhoeff, first digit 2–9)",
            Field::Name => "two to four capitalised words of letters, only in a name column or beside a direct identifier",
            Field::Address => "a house number and a street word (en, de, fr, es, it, nl, pt)",
            Field::Postcode => "digits, at most 10 characters, under a postcode header",
            Field::Birthdate => "a date 1900–2025 (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY)",
            Field::Company => "two to eight words ending in a legal form (GmbH, AG, Ltd, PLC, Inc, LLC, Corp, S.A., SAS, S.L., S.p.A., S.r.l., B.V., N.V., K.K., Oy, AB, A/S, Pty, Ltda, …) or a company word (Systems, Labs, Holdings, …); under a company/customer header any capitalised name",
            Field::Plan => "under a plan/tier/seats/subscription header any value but a sponsor tier (gold, silver, …); without one a value starting with premium, enterprise, business, pro, basic, free, starter, trial, team, standard, plus, …",
            Field::Tenant => "any value under a tenant/workspace header",
            Field::Other => "not typed: a column known to hold something else (ids, SKUs, EANs, prices, hashes)",
        }
    }
}

/// Every field type with its header names and validator, one paragraph each, for
/// `policy explain`.
pub fn explain() -> Vec<String> {
    VOCAB
        .iter()
        .map(|(f, words)| format!("{}: headers {}; values: {}", f.label(), words.join(", "), f.validator()))
        .collect()
}

/// The field type a header name announces.
pub fn from_header(name: &str) -> Option<Field> {
    let name = name.trim().trim_matches(['"', '\'', '`', '[', ']']);
    let norm = |c: char| if matches!(c, '-' | ' ' | '.') { '_' } else { c };
    if name.is_ascii() {
        // ASCII keeps its length when lower-cased: normalised on the stack.
        let mut buf = [0u8; 40];
        let b = buf.get_mut(..name.len())?;
        for (d, c) in b.iter_mut().zip(name.bytes()) {
            *d = norm(c as char).to_ascii_lowercase() as u8;
        }
        return std::str::from_utf8(b).ok().filter(|n| !n.is_empty()).and_then(vocab_field);
    }
    let n: String = name.chars().map(norm).flat_map(char::to_lowercase).collect();
    if n.is_empty() || n.len() > 40 {
        return None;
    }
    vocab_field(&n)
}

/// The field a normalised (lower-case, `_`-joined) header name announces.
fn vocab_field(n: &str) -> Option<Field> {
    // Whole name first (`company_name` is a company, not a name), then its parts from the end.
    let vocab = &*VOCAB_INDEX;
    if let Some(f) = vocab.get(n) {
        return Some(*f);
    }
    // A name ending in a several-word entry (`client_date_of_birth`, `numero_securite_sociale`).
    for (w, f) in MULTI_WORD.iter() {
        if n.len() > w.len() && n.ends_with(w) && n[..n.len() - w.len()].ends_with('_') {
            return Some(*f);
        }
    }
    n.rsplit('_').find_map(|part| vocab.get(part)).copied()
}

/// The entries of [`VOCAB`] of several words (`date_of_birth`), in order.
static MULTI_WORD: std::sync::LazyLock<Vec<(&'static str, Field)>> = std::sync::LazyLock::new(|| {
    VOCAB.iter().flat_map(|(f, words)| words.iter().filter(|w| w.contains('_')).map(move |w| (*w, *f))).collect()
});

/// Each word of [`VOCAB`] and the first field listing it: one lookup per name instead
/// of a comparison with every word.
static VOCAB_INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, Field>> =
    std::sync::LazyLock::new(|| {
        let mut m = std::collections::HashMap::new();
        for (f, words) in VOCAB {
            for w in *words {
                m.entry(*w).or_insert(*f);
            }
        }
        m
    });

/// The field type a value proves by itself (a validator passes). Phones only where
/// `phone_ok` (a phone column, or a value written the international way).
pub fn from_value(v: &str) -> Option<Field> {
    let v = trim(v);
    if v.len() < 7 || v.len() > 120 {
        return None;
    }
    let b = v.as_bytes();
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        // Without a digit only a company can be proven.
        return (b[0].is_ascii_uppercase() && b.contains(&b' ') && is_company(v)).then_some(Field::Company);
    }
    // Digits only (a count, a timestamp): of the validators below, only a NIR (15
    // digits) and a card number can accept them; most cells end here.
    if digits == b.len() {
        // A NIR has 15 digits, a card 13 to 19: a timestamp or a count is none.
        if !(13..=19).contains(&b.len()) {
            return None;
        }
        return if b.len() == 15 && is_nir(v) {
            Some(Field::NationalId)
        } else if is_card(v) {
            Some(Field::Card)
        } else {
            None
        };
    }
    // National ids first: a NIR's 15 digits may pass Luhn in a card range.
    if is_national_id(v) {
        return Some(Field::NationalId);
    }
    if is_card(v) {
        return Some(Field::Card);
    }
    if is_iban(v) {
        return Some(Field::Iban);
    }
    if v.starts_with('+') && is_phone(v) {
        return Some(Field::Phone);
    }
    if is_street_address(v) {
        return Some(Field::Address);
    }
    if is_company(v) {
        return Some(Field::Company);
    }
    None
}

/// Classes of the bytes of a cell, OR-ed into one mask while a table is split: what a
/// cell holds decides, before any validator runs, that none can type it.
pub mod class {
    pub const DIGIT: u16 = 1;
    pub const DOT: u16 = 1 << 1;
    pub const COLON: u16 = 1 << 2;
    pub const DASH: u16 = 1 << 3;
    /// ASCII white space as `char::is_whitespace` has it (`\t \n \x0b \x0c \r` and space).
    pub const WHITE: u16 = 1 << 4;
    pub const UPPER: u16 = 1 << 5;
    pub const LOWER: u16 = 1 << 6;
    pub const AT: u16 = 1 << 7;
    /// A byte of a multi-byte character.
    pub const NON_ASCII: u16 = 1 << 8;
    /// Any other ASCII byte.
    pub const OTHER: u16 = 1 << 9;
    /// Free for a reader's own use (a delimiter, a line end): no byte has it here.
    pub const SPECIAL: u16 = 1 << 15;

    /// The class of each byte.
    pub static TABLE: [u16; 256] = {
        let mut t = [0u16; 256];
        let mut i = 0;
        while i < 256 {
            let c = i as u8;
            t[i] = match c {
                b'0'..=b'9' => DIGIT,
                b'.' => DOT,
                b':' => COLON,
                b'-' => DASH,
                b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => WHITE,
                b'A'..=b'Z' => UPPER,
                b'a'..=b'z' => LOWER,
                b'@' => AT,
                0x80..=0xff => NON_ASCII,
                _ => OTHER,
            };
            i += 1;
        }
        t
    };

    /// The classes of the bytes of `s`, OR-ed.
    pub fn of(s: &str) -> u16 {
        s.bytes().fold(0, |m, c| m | TABLE[c as usize])
    }
}

/// Neither [`from_value`] nor [`looks_like_name`] can accept `v`, a trimmed non-empty
/// cell whose bytes have the classes `mask`: decided from the first byte, the length
/// and the classes alone (what most cells of a table of numbers, codes or lower-case
/// words are). False means "maybe", never "typed".
pub fn value_inert(v: &str, mask: u16) -> bool {
    use class::*;
    let b = v.as_bytes();
    // A name starts with a capital; an ASCII first byte that is not one (nor white
    // space, which a trimmed cell does not start with) refuses it.
    let Some(&c0) = b.first() else { return true };
    if !c0.is_ascii() || c0.is_ascii_uppercase() || c0.is_ascii_whitespace() {
        return false;
    }
    // `from_value`: 7 to 120 bytes; without a digit only a company, which starts with
    // an ASCII capital; digits alone are a NIR (15) or a card (13 to 19); digits with
    // dots or colons (`0.794`, `12:30:05`, `1.2.3.4`) are no id, card, IBAN, phone
    // (`+`), address (one word) or company.
    b.len() < 7
        || b.len() > 120
        || mask & DIGIT == 0
        || (mask & !(DIGIT | DOT | COLON) == 0 && !(mask == DIGIT && (13..=19).contains(&b.len())))
}

fn digits(v: &str) -> Vec<u8> {
    v.bytes().filter(u8::is_ascii_digit).map(|c| c - b'0').collect()
}

/// Luhn checksum over digits.
pub fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = x as u32;
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A payment card number: 13–19 digits in groups of digits, spaces or dashes, a known
/// issuer range (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro) and
/// a valid Luhn check digit.
pub fn is_card(v: &str) -> bool {
    if !v.bytes().all(|c| c.is_ascii_digit() || c == b' ' || c == b'-') {
        return false;
    }
    // 13–19 digits, read into a stack buffer: most values fail here without allocating.
    let mut buf = [0u8; 19];
    let mut len = 0;
    for c in v.bytes().filter(u8::is_ascii_digit) {
        if len == buf.len() {
            return false;
        }
        buf[len] = c - b'0';
        len += 1;
    }
    let d = &buf[..len];
    if !(13..=19).contains(&d.len()) || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let p = |n: usize| d[..n].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    let issuer = d[0] == 4
        || (51..=55).contains(&p(2))
        || (2221..=2720).contains(&p(4))
        || matches!(p(2), 34 | 37 | 36 | 38 | 39 | 62 | 65)
        || p(4) == 6011
        || (644..=649).contains(&p(3))
        || (300..=305).contains(&p(3))
        || (3528..=3589).contains(&p(4))
        || matches!(p(2), 50 | 56..=58 | 63 | 67);
    issuer && luhn(d)
}

/// An IBAN: country code, two check digits, 11–30 alphanumerics (spaces allowed),
/// the length of its country when known, and ISO 7064 mod 97 = 1.
pub fn is_iban(v: &str) -> bool {
    // Cheap refusals first: a country code's upper-case letter, 15–34 characters.
    if !starts_upper_ignoring_spaces(v) || !(15..=34).contains(&v.bytes().filter(|&c| c != b' ').count()) {
        return false;
    }
    let s: String = v.chars().filter(|c| *c != ' ').collect();
    let b = s.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    const LEN: &[(&str, usize)] = &[
        ("DE", 22),
        ("FR", 27),
        ("GB", 22),
        ("ES", 24),
        ("IT", 27),
        ("NL", 18),
        ("BE", 16),
        ("AT", 20),
        ("CH", 21),
        ("PL", 28),
        ("SE", 24),
        ("DK", 18),
        ("FI", 18),
        ("NO", 15),
        ("IE", 22),
        ("PT", 25),
        ("LU", 20),
        ("BR", 29),
    ];
    if let Some((_, n)) = LEN.iter().find(|(c, _)| c.as_bytes() == &b[..2]) {
        if b.len() != *n {
            return false;
        }
    }
    let mut rem = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let n = if c.is_ascii_digit() { (c - b'0') as u32 } else { (c - b'A') as u32 + 10 };
        rem = if n >= 10 { (rem * 100 + n) % 97 } else { (rem * 10 + n) % 97 };
    }
    rem == 1
}

/// National ids with a format and a checksum (or issuing ranges) strong enough to
/// type a value by itself: US SSN `AAA-GG-SSSS`, UK NINO, ES DNI/NIE, BR CPF, FR NIR,
/// IT codice fiscale. (NL BSN, DE Steuer-ID and IN Aadhaar are plain digit strings
/// whose checks pass one random number in ten to a hundred: only under a header
/// naming them, see [`is_named_national_id`].)
pub fn is_national_id(v: &str) -> bool {
    is_ssn(v) || is_nino(v) || is_dni(v) || is_cpf(v) || is_nir(v) || is_codice_fiscale(v)
}

/// A national id in a column whose header names one: any validator above, or NL
/// BSN, DE Steuer-ID, IN Aadhaar.
pub fn is_named_national_id(v: &str) -> bool {
    is_national_id(v) || is_bsn(v) || is_steuer_id(v) || is_aadhaar(v)
}

/// Most bytes [`compact`] keeps.
const COMPACT_MAX: usize = 16;

/// The value without spaces, upper-cased, if it has only ASCII alphanumerics and
/// spaces and at most `max` (≤ 16) of them; on the stack (called for most cells).
fn compact(v: &str, max: usize) -> Option<Compact> {
    let mut out = Compact { buf: [0; COMPACT_MAX], len: 0 };
    let max = max.min(COMPACT_MAX);
    for c in trim(v).bytes() {
        match c {
            b' ' => {}
            c if c.is_ascii_alphanumeric() && out.len < max => {
                out.buf[out.len] = c.to_ascii_uppercase();
                out.len += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// See [`compact`].
struct Compact {
    buf: [u8; COMPACT_MAX],
    len: usize,
}

impl std::ops::Deref for Compact {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// `s.trim()`, without reading a character when neither end is whitespace (the usual
/// cell): the ends are ASCII and not white, else the full Unicode trim.
pub fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [] => s,
        [a, .., z] | [a @ z]
            if a.is_ascii() && z.is_ascii() && !a.is_ascii_whitespace() && !z.is_ascii_whitespace() =>
        {
            s
        }
        _ => s.trim(),
    }
}

/// French NIR (numéro de sécurité sociale): sex digit, year, month (01–12, or
/// 20–42/50–99 for unknown months), department (two digits, `2A`/`2B` for Corsica),
/// commune, order number, and a key `97 - (n mod 97)` over the first 13 digits (with
/// `2A` read as 19, `2B` as 18). Spaces between groups allowed.
pub fn is_nir(v: &str) -> bool {
    let Some(b) = compact(v, 15) else { return false };
    if b.len() != 15 || !matches!(b[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return false;
    }
    let corsica = match &b[5..7] {
        b"2A" => Some(19),
        b"2B" => Some(18),
        _ => None,
    };
    let digit_at = |i: usize| b[i].is_ascii_digit();
    if !(0..15).filter(|i| !(corsica.is_some() && (5..7).contains(i))).all(digit_at) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u64, |a, &c| a * 10 + (c - b'0') as u64);
    let month = num(3..5);
    if !((1..=12).contains(&month) || (20..=42).contains(&month) || month >= 50) {
        return false;
    }
    let n = match corsica {
        Some(d) => (num(0..5) * 100 + d) * 1_000_000 + num(7..13),
        None => num(0..13),
    };
    let key = num(13..15);
    (1..=97).contains(&key) && 97 - n % 97 == key
}

/// Italian codice fiscale: six letters (surname, name), year, month letter, day (41–71
/// for women), birthplace (letter and three digits), check letter over the first 15
/// characters (odd positions by the official table, even by value). Digits may be
/// replaced by the letters `LMNPQRSTUV` (omocodia).
pub fn is_codice_fiscale(v: &str) -> bool {
    const ODD: [u8; 26] =
        [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let v = v.trim();
    let b = v.as_bytes();
    if b.len() != 16 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let b: Vec<u8> = b.iter().map(u8::to_ascii_uppercase).collect();
    let letter = |i: usize| b[i].is_ascii_uppercase();
    let digitish = |i: usize| b[i].is_ascii_digit() || b"LMNPQRSTUV".contains(&b[i]);
    if !(0..6).chain([8, 11, 15]).all(letter)
        || ![6, 7, 9, 10, 12, 13, 14].into_iter().all(digitish)
        || !b"ABCDEHLMPRST".contains(&b[8])
    {
        return false;
    }
    // Value of a character: digits 0–9, letters A=0…Z=25.
    let val = |c: u8| if c.is_ascii_digit() { (c - b'0') as u32 } else { (c - b'A') as u32 };
    let sum: u32 =
        b[..15].iter().enumerate().map(|(i, &c)| if i % 2 == 0 { ODD[val(c) as usize] as u32 } else { val(c) }).sum();
    b[15] == b'A' + (sum % 26) as u8
}

/// German Steuer-ID (steuerliche Identifikationsnummer): eleven digits, no leading
/// zero; among the first ten exactly one digit occurs twice or three times (not three
/// in a row) and every other at most once; check digit by ISO 7064 MOD 11,10.
pub fn is_steuer_id(v: &str) -> bool {
    let Some(b) = compact(v, 11) else { return false };
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] == b'0' {
        return false;
    }
    let d: Vec<u8> = b.iter().map(|c| c - b'0').collect();
    let mut count = [0u8; 10];
    for &x in &d[..10] {
        count[x as usize] += 1;
    }
    let repeated: Vec<usize> = (0..10).filter(|&i| count[i] > 1).collect();
    if repeated.len() != 1 || count[repeated[0]] > 3 {
        return false;
    }
    if count[repeated[0]] == 3 && d[..10].windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return false;
    }
    let mut product = 10u32;
    for &x in &d[..10] {
        let mut sum = (x as u32 + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    check == d[10] as u32
}

/// Indian Aadhaar number: twelve digits (spaces or dashes between groups), the first
/// 2–9, the last a Verhoeff check digit.
pub fn is_aadhaar(v: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 8, 7, 6, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    if !v.trim().bytes().all(|c| c.is_ascii_digit() || c == b' ' || c == b'-') {
        return false;
    }
    let d = digits(v);
    if d.len() != 12 || d[0] < 2 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let c = d.iter().rev().enumerate().fold(0u8, |c, (i, &x)| D[c as usize][P[i % 8][x as usize] as usize]);
    c == 0
}

pub fn is_ssn(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 11 || b[3] != b'-' || b[6] != b'-' {
        return false;
    }
    let (a, g, s) = (&v[..3], &v[4..6], &v[7..]);
    if ![a, g, s].iter().all(|p| p.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    let area: u32 = a.parse().unwrap_or(0);
    area != 0 && area != 666 && area < 900 && g != "00" && s != "0000"
}

pub fn is_nino(v: &str) -> bool {
    if !starts_upper_ignoring_spaces(v) || v.bytes().filter(|&c| c != b' ').count() != 9 {
        return false;
    }
    let s: String = v.chars().filter(|c| *c != ' ').collect();
    let b = s.as_bytes();
    if b.len() != 9 || !b[..2].iter().all(u8::is_ascii_uppercase) || !b[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let bad_first = b"DFIQUV";
    let bad_second = b"DFIOQUV";
    let prefix = &s[..2];
    !bad_first.contains(&b[0])
        && !bad_second.contains(&b[1])
        && !matches!(prefix, "BG" | "GB" | "NK" | "KN" | "TN" | "NT" | "ZZ")
        && matches!(b[8], b'A'..=b'D')
}

/// The first byte that is not a space is an ASCII upper-case letter.
fn starts_upper_ignoring_spaces(v: &str) -> bool {
    v.bytes().find(|&c| c != b' ').is_some_and(|c| c.is_ascii_uppercase())
}

pub fn is_dni(v: &str) -> bool {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let b = v.as_bytes();
    if b.len() != 9 || !b[8].is_ascii_uppercase() {
        return false;
    }
    let lead = match b[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        c if c.is_ascii_digit() => (c - b'0') as u64 + 100,
        _ => return false,
    };
    if !b[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let rest: u64 = v[1..8].parse().unwrap_or(0);
    let n = if lead >= 100 { (lead - 100) * 10_000_000 + rest } else { lead * 10_000_000 + rest };
    LETTERS[(n % 23) as usize] == b[8]
}

pub fn is_cpf(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 14 || b[3] != b'.' || b[7] != b'.' || b[11] != b'-' {
        return false;
    }
    let d = digits(v);
    if d.len() != 11 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let check = |n: usize| {
        let s: u32 = (0..n).map(|i| d[i] as u32 * (n as u32 + 1 - i as u32)).sum();
        let r = (s * 10) % 11;
        (if r == 10 { 0 } else { r }) as u8
    };
    check(9) == d[9] && check(10) == d[10]
}

/// Dutch BSN: nine digits passing the 11-test (used under a header naming it).
pub fn is_bsn(v: &str) -> bool {
    let d = digits(v);
    if d.len() != 9 || !v.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let s: i32 = (0..8).map(|i| d[i] as i32 * (9 - i as i32)).sum::<i32>() - d[8] as i32;
    s % 11 == 0 && s != 0
}

/// A plausible phone number: 7–15 digits (E.164's maximum), only digits and
/// `+ - ( ) . /` and spaces, a leading `+` or `0` or `(` or a separator, not a date or
/// a version, not one repeated digit. Documented in `policy explain`: a plausibility
/// check rather than libphonenumber's per-country metadata (that crate's build cost
/// was not justified for candidate columns; headers and row context decide).
pub fn is_phone(f: &str) -> bool {
    let f = trim(f);
    let f = f.strip_prefix("tel:").unwrap_or(f);
    if !f.bytes().all(|c| c.is_ascii_digit() || b" +-().x/".contains(&c)) {
        return false;
    }
    let mut d = f.bytes().filter(u8::is_ascii_digit);
    let first = d.next();
    let (count, same) = d.fold((usize::from(first.is_some()), true), |(n, same), x| (n + 1, same && Some(x) == first));
    (7..=15).contains(&count)
        && (f.starts_with('+') || f.starts_with('(') || f.starts_with('0') || f.contains(['-', ' ', '.', '/']))
        && !same
        && !is_date_like(f)
}

fn is_date_like(f: &str) -> bool {
    let parts: Vec<&str> = f.split(['-', '/', '.']).collect();
    parts.len() == 3 && parts.iter().all(|p| (1..=4).contains(&p.len())) && parts.iter().any(|p| p.len() == 4)
}

/// Street words (en, de, fr, es, it, nl, pt), lower-case.
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "st.",
    "road",
    "rd",
    "rd.",
    "avenue",
    "ave",
    "ave.",
    "lane",
    "ln",
    "drive",
    "dr",
    "dr.",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "boulevard",
    "blvd",
    "terrace",
    "close",
    "square",
    "highway",
    "parkway",
    "crescent",
    "straße",
    "strasse",
    "str.",
    "weg",
    "allee",
    "platz",
    "gasse",
    "ring",
    "damm",
    "ufer",
    "rue",
    "avenue",
    "chemin",
    "boulevard",
    "impasse",
    "allée",
    "calle",
    "avenida",
    "plaza",
    "paseo",
    "camino",
    "via",
    "viale",
    "piazza",
    "corso",
    "vicolo",
    "straat",
    "laan",
    "plein",
    "gracht",
    "kade",
    "singel",
    "rua",
    "travessa",
    "largo",
    "praça",
];

/// A street address: a house number and a street word (`12 Baker Street`,
/// `Hauptstraße 5`, `rue de Rivoli 4`, `Calle Mayor, 3`), at most a dozen words.
pub fn is_street_address(v: &str) -> bool {
    // A house number needs a digit.
    if !v.bytes().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let words = || v.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty());
    // Counted before anything is collected: most values are one word.
    if !(2..=12).contains(&words().take(13).count()) || v.contains('@') || v.contains("://") {
        return false;
    }
    let number = words().any(|w| {
        let d = w.bytes().take_while(u8::is_ascii_digit).count();
        (1..=5).contains(&d) && w.len() - d <= 2
    });
    let street = |l: &str| {
        STREET_WORDS.contains(&l)
            || ["straße", "strasse", "weg", "straat", "laan", "gasse", "allee", "platz"]
                .iter()
                .any(|s| l.ends_with(s) && l.len() > s.len() + 2)
    };
    let mut buf = [0u8; 32];
    number
        && words().any(|w| match ascii_lower(w, &mut buf) {
            Some(l) => street(l),
            None => street(&w.to_lowercase()),
        })
}

/// Legal forms that end (or start) a company name.
const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "se",
    "ltd",
    "ltd.",
    "limited",
    "plc",
    "llp",
    "inc",
    "inc.",
    "llc",
    "l.l.c.",
    "corp",
    "corp.",
    "corporation",
    "co.",
    "s.a.",
    "sa",
    "s.a.s.",
    "sas",
    "sarl",
    "s.a.r.l.",
    "s.l.",
    "sl",
    "s.p.a.",
    "spa",
    "s.r.l.",
    "srl",
    "b.v.",
    "bv",
    "n.v.",
    "nv",
    "k.k.",
    "kk",
    "oy",
    "ab",
    "as",
    "a/s",
    "aps",
    "pty",
    "lda",
    "ltda",
    "sp.",
    "z",
    "o.o.",
];

/// A company name: two to eight words, the last (or second-to-last) a legal form.
pub fn is_company(v: &str) -> bool {
    if !v.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    // The last two words, counted and lower-cased without collecting them.
    let (mut n, mut prev, mut last_raw) = (0usize, "", "");
    for w in v.split_whitespace() {
        n += 1;
        if n > 8 {
            return false;
        }
        prev = last_raw;
        last_raw = w;
    }
    if n < 2 {
        return false;
    }
    let (mut b1, mut b2) = ([0u8; 32], [0u8; 32]);
    let last_l = last_lower(last_raw, &mut b1);
    let last: &str = &last_l;
    let strong = |w: &str| {
        word_set(&LEGAL_SET, LEGAL_FORMS).contains(w)
            && !matches!(w, "z" | "as" | "se" | "sa" | "sl" | "ab" | "ag" | "kg")
    };
    strong(last)
        || (matches!(last, "ag" | "kg" | "se" | "sa" | "ab" | "as")
            && v.split_whitespace().last().is_some_and(|w| w.chars().all(|c| c.is_uppercase())))
        || (n >= 3 && strong(&last_lower(prev, &mut b2)))
        || word_set(&COMPANY_SET, COMPANY_WORDS).contains(last)
}

// Looked up for most cells of a company column: sets, not lists.
static LEGAL_SET: std::sync::OnceLock<WordSet> = std::sync::OnceLock::new();
static COMPANY_SET: std::sync::OnceLock<WordSet> = std::sync::OnceLock::new();

/// `w.trim_matches(',').to_lowercase()`, on the stack when ASCII.
fn last_lower<'b>(w: &str, buf: &'b mut [u8; 32]) -> std::borrow::Cow<'b, str> {
    let w = w.trim_matches(',');
    match ascii_lower(w, buf) {
        Some(l) => std::borrow::Cow::Borrowed(l),
        None => std::borrow::Cow::Owned(w.to_lowercase()),
    }
}

/// Words a plan value starts with (`premium-eu`, `Enterprise`, `business plus`).
/// Sponsor tiers (gold, silver, bronze, platinum) are not plans.
const PLAN_WORDS: &[&str] = &[
    "premium",
    "enterprise",
    "business",
    "pro",
    "professional",
    "basic",
    "free",
    "freemium",
    "starter",
    "trial",
    "team",
    "teams",
    "standard",
    "plus",
    "essentials",
    "growth",
    "scale",
    "startup",
];

/// A value naming a subscription plan: at most 24 characters whose first word is a
/// plan word.
pub fn is_plan_value(v: &str) -> bool {
    let v = v.trim();
    v.len() <= 24
        && v.split(['-', '_', ' ', '/']).next().is_some_and(|w| PLAN_WORDS.iter().any(|p| w.eq_ignore_ascii_case(p)))
}

/// A sponsor's tier (`Gold`, `silver sponsor`): a `tier` column of a sponsors table,
/// not a customer's plan.
pub fn is_sponsor_tier(v: &str) -> bool {
    let w = v.trim().split([' ', '-', '_']).next().unwrap_or("").to_ascii_lowercase();
    matches!(
        w.as_str(),
        "gold" | "silver" | "bronze" | "platinum" | "diamond" | "sponsor" | "backer" | "patron" | "supporter"
    )
}

/// Words in the start of a text that may announce a customer roster (a plan or tenant
/// column, plan values), compared case-insensitively.
const ROSTER_WORDS: &[&str] = &[
    "plan",
    "tier",
    "subscription",
    "seats",
    "tenant",
    "premium",
    "enterprise",
    "mrr",
    "abo",
    "tarif",
    "mandant",
    "workspace",
];

/// Whether the first 4 KiB of `s` hold a roster word: the cheap gate before a table
/// is read as a roster of companies.
/// The head is lower-cased into a stack buffer and searched by a prefiltered
/// automaton (a case-insensitive one reads every byte: a twentieth of a whole scan of
/// source trees, for this gate).
pub fn roster_hint(s: &str) -> bool {
    static WORDS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| super::literals::prefiltered(ROSTER_WORDS));
    let head = &s.as_bytes()[..s.len().min(4096)];
    let mut lower = [0u8; 4096];
    let lower = &mut lower[..head.len()];
    lower.copy_from_slice(head);
    lower.make_ascii_lowercase();
    WORDS.is_match(&*lower)
}

/// Last words of company names without a legal form (`Brightfalcon Analytics`).
const COMPANY_WORDS: &[&str] = &[
    "analytics",
    "systems",
    "solutions",
    "technologies",
    "technology",
    "labs",
    "group",
    "holdings",
    "partners",
    "consulting",
    "services",
    "software",
    "media",
    "health",
    "healthcare",
    "logistics",
    "retail",
    "foods",
    "energy",
    "finance",
    "financial",
    "freight",
    "robotics",
    "bank",
    "insurance",
    "studios",
    "studio",
    "networks",
    "industries",
    "international",
    "enterprises",
    "ventures",
    "capital",
    "digital",
    "pharma",
    "motors",
    "airlines",
    "hotels",
    "telecom",
    "communications",
    "manufacturing",
    "trading",
    "investments",
    "realty",
    "properties",
    "agency",
    "electronics",
    "semiconductors",
    "biotech",
    "therapeutics",
    "dynamics",
    "security",
    "data",
    "cloud",
    "works",
];

/// A person's name as a value: two to four capitalised words of letters (with `.'-`),
/// used only in a column whose header names it or in a row with a direct identifier.
pub fn looks_like_name(v: &str) -> bool {
    // An ASCII first byte that is neither white nor a capital (a digit, a lower-case
    // letter): refused without reading a character.
    match v.as_bytes().first() {
        None => return false,
        Some(c) if c.is_ascii() && !c.is_ascii_whitespace() && !c.is_ascii_uppercase() => return false,
        _ => {}
    }
    // The first word's capital and the length, before any word is collected.
    if v.len() > 60 || !v.trim_start().chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let words: Vec<&str> = v.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && v.len() <= 60
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || ".'-".contains(c))
        })
}

/// A date that can be a date of birth: `YYYY-MM-DD`, `DD.MM.YYYY`, `DD/MM/YYYY`,
/// `MM/DD/YYYY`, year 1900–2025.
pub fn is_birthdate(v: &str) -> bool {
    let parts: Vec<&str> = v.trim().split(['-', '.', '/']).collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (y, a, b) = if parts[0].len() == 4 {
        (n[0], n[1], n[2])
    } else if parts[2].len() == 4 {
        (n[2], n[0], n[1])
    } else {
        return false;
    };
    (1900..=2025).contains(&y) && (1..=31).contains(&a) && (1..=31).contains(&b) && (a <= 12 || b <= 12)
}

/// Numbers of seven or more digits (with ` -./()+` between them) and codice fiscale
/// tokens, up to `cap`: the gate that lets a list of phones, cards, accounts, ids or
/// dates of birth without a header word be parsed at all. One pass over the bytes, no
/// automaton (the scanner's literal pass must stay small enough for its SIMD prefilter).
///
/// Read 64 bytes at a time from their digit and breaker masks ([`number_masks`]): a
/// number is a run of digits and separators up to a breaker (any other byte), and
/// counts once, when its seventh digit is read. Source code is dense with short
/// numbers; a byte at a time inside each was most of this gate's cost. The last bytes
/// are read by [`number_lines_bytewise`], which defines the result (a unit test
/// compares the two).
pub fn number_lines(s: &str, cap: usize) -> usize {
    let b = s.as_bytes();
    let (mut n, mut digits, mut i) = (0usize, 0usize, 0usize);
    while let Some(block) = b.get(i..i + 64) {
        let (dm, bm) = number_masks(block);
        let mut c = 0u32;
        let mut next = i + 64;
        while c < 64 {
            if digits == 0 {
                // Outside a number: to the next digit; a codice fiscale ends its six
                // letters there.
                let rest = dm >> c;
                if rest == 0 {
                    break;
                }
                c += rest.trailing_zeros();
                let at = i + c as usize;
                if at >= 6 && b[at - 1].is_ascii_alphabetic() && codice_fiscale_at(s, at - 6) {
                    n += 1;
                    if n >= cap {
                        return n;
                    }
                    next = at + 10;
                    break;
                }
            }
            // Inside a number from `c`: its digits up to the next breaker.
            let br = bm >> c;
            let len = if br == 0 { 64 - c } else { br.trailing_zeros() };
            let span = if len >= 64 { u64::MAX } else { (1u64 << len) - 1 };
            let before = digits;
            digits += ((dm >> c) & span).count_ones() as usize;
            if before < 7 && digits >= 7 {
                n += 1;
                if n >= cap {
                    return n;
                }
            }
            if br == 0 {
                break;
            }
            c += len + 1;
            digits = 0;
        }
        i = next;
    }
    number_lines_bytewise(s, i, digits, n, cap)
}

/// [`number_lines`] a byte at a time from byte `i`, inside a number of `digits`
/// digits so far, `n` counted.
fn number_lines_bytewise(s: &str, mut i: usize, mut digits: usize, mut n: usize, cap: usize) -> usize {
    let b = s.as_bytes();
    if n >= cap {
        return n;
    }
    while i < b.len() {
        // Outside a number, bytes up to the next digit change nothing: skipped a word
        // at a time.
        if digits == 0 {
            match next_digit(b, i) {
                Some(j) => i = j,
                None => break,
            }
        }
        // A codice fiscale (`RSSMRA85T10A562S`): six letters, then its first digit;
        // judged there, by looking back (the letters may have been skipped as a word).
        if b[i].is_ascii_digit() && i >= 6 && b[i - 1].is_ascii_alphabetic() && codice_fiscale_at(s, i - 6) {
            n += 1;
            if n >= cap {
                return n;
            }
            (i, digits) = (i + 10, 0);
            continue;
        }
        i += 1;
        if number_step(b[i - 1], &mut digits) {
            n += 1;
            if n >= cap {
                return n;
            }
        }
    }
    n
}

/// Bit `k` of the first mask set when `w[k]` (of 64 bytes) is an ASCII digit, of the
/// second when it is neither a digit nor a separator ` -./()+` (a breaker of numbers,
/// see [`number_step`]). SSE2 compares (part of every x86-64) where they exist.
#[cfg(target_arch = "x86_64")]
fn number_masks(w: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::*;
    assert!(w.len() >= 64);
    let quarter = |p: *const u8| {
        // SAFETY: SSE2 is part of the x86-64 baseline; `p` points at 16 readable bytes
        // of `w` (checked above), read unaligned.
        unsafe {
            let v = _mm_loadu_si128(p.cast::<__m128i>());
            // Signed compares: bytes from 0x80 are negative and in no range.
            let digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x2f)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x3a)));
            // `( ) + - . /` are 0x28..=0x2f without `*` (0x2a) and `,` (0x2c).
            let range = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x27)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x30)));
            let star_comma =
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x2a)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x2c)));
            let sep = _mm_or_si128(_mm_andnot_si128(star_comma, range), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x20)));
            let d = _mm_movemask_epi8(digit) as u32 as u64 & 0xffff;
            let keep = _mm_movemask_epi8(_mm_or_si128(digit, sep)) as u32 as u64 & 0xffff;
            (d, !keep & 0xffff)
        }
    };
    let (mut dm, mut bm) = (0u64, 0u64);
    for q in 0..4 {
        let (d, k) = quarter(w[16 * q..].as_ptr());
        dm |= d << (16 * q);
        bm |= k << (16 * q);
    }
    (dm, bm)
}

#[cfg(not(target_arch = "x86_64"))]
fn number_masks(w: &[u8]) -> (u64, u64) {
    w[..64].iter().enumerate().fold((0u64, 0u64), |(dm, bm), (k, &c)| {
        let sep = matches!(c, b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+');
        (dm | u64::from(c.is_ascii_digit()) << k, bm | u64::from(!c.is_ascii_digit() && !sep) << k)
    })
}

/// The first ASCII digit at or after `i`: 32 bytes at a time while none is a digit,
/// then the word holding it, located from the word's digit mask.
fn next_digit(b: &[u8], mut i: usize) -> Option<usize> {
    let word = |w: &[u8]| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    while let Some(w) = b.get(i..i + 32) {
        if digit_mask(word(&w[0..8]))
            | digit_mask(word(&w[8..16]))
            | digit_mask(word(&w[16..24]))
            | digit_mask(word(&w[24..32]))
            != 0
        {
            break;
        }
        i += 32;
    }
    while let Some(w) = b.get(i..i + 8) {
        let m = digit_mask(word(w));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..].iter().position(u8::is_ascii_digit).map(|k| i + k)
}

/// A token of exactly 16 letters and digits starting at `start` is a valid codice
/// fiscale.
fn codice_fiscale_at(s: &str, start: usize) -> bool {
    let b = s.as_bytes();
    let end = start + 16;
    end <= b.len()
        && (start == 0 || !b[start - 1].is_ascii_alphanumeric())
        && b.get(end).is_none_or(|c| !c.is_ascii_alphanumeric())
        && b[start..end].iter().all(u8::is_ascii_alphanumeric)
        && is_codice_fiscale(&s[start..end])
}

/// One byte of [`number_lines`]: counts the digits of the current number (` -./()+`
/// between them keep it going); true when it reaches seven.
fn number_step(c: u8, digits: &mut usize) -> bool {
    if c.is_ascii_digit() {
        *digits += 1;
        *digits == 7
    } else {
        if !matches!(c, b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+') {
            *digits = 0;
        }
        false
    }
}

/// The high bit of each byte of the word that is an ASCII digit (`0x30..=0x39`): per
/// byte, `0x39 - x` and `x - 0x30` (7-bit parts, no borrow across bytes) both keep
/// their high bit exactly when `x` is in range and below `0x80`.
fn digit_mask(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low = x & LOW7;
    let below_3a = (ONES * (127 + 0x3a)).wrapping_sub(low);
    let above_2f = low + ONES * (127 - 0x2f);
    below_3a & !x & above_2f & HIGH
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The masks mark digits and breakers exactly, every byte value in every lane.
    #[test]
    fn number_masks_mark_digits_and_breakers() {
        for lane in 0..64 {
            for v in 0..=255u8 {
                let mut w = [b'x'; 64];
                w[lane] = v;
                let (dm, bm) = number_masks(&w);
                let sep = matches!(v, b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+');
                assert_eq!(dm >> lane & 1 == 1, v.is_ascii_digit(), "digit {v:#x} lane {lane}");
                assert_eq!(bm >> lane & 1 == 1, !v.is_ascii_digit() && !sep, "breaker {v:#x} lane {lane}");
                assert_eq!(dm & !(1 << lane), 0);
                assert_eq!(bm | (1 << lane), u64::MAX);
            }
        }
    }

    /// 64 bytes at a time counts what a byte at a time counts, at every cap: numbers
    /// across block ends, codice fiscale tokens (jumping past a block end), non-ASCII.
    #[test]
    fn number_lines_by_block_is_bytewise() {
        let alphabet = [
            "1",
            "23",
            "4567",
            " ",
            "-",
            ".",
            "/",
            "(",
            ")",
            "+",
            "*",
            ",",
            "a",
            "Z",
            "\n",
            "é",
            "RSSMRA85T10A562S",
            "0123456789",
        ];
        let mut x: u32 = 11;
        let mut counted = 0;
        for round in 0..6000 {
            let mut s = String::new();
            for _ in 0..(round % 160) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                s.push_str(alphabet[(x >> 16) as usize % alphabet.len()]);
            }
            for cap in [1, 3, 10, usize::MAX] {
                let want = number_lines_bytewise(&s, 0, 0, 0, cap);
                assert_eq!(number_lines(&s, cap), want, "cap {cap}: {s:?}");
                counted += want.min(10);
            }
        }
        assert!(counted > 10_000, "texts with numbers were generated: {counted}");
    }

    #[test]
    fn digit_mask_marks_exactly_the_digits_in_every_lane() {
        for lane in 0..8 {
            for v in 0..=255u8 {
                for fill in [0u8, b'a', 0xff, b'/', b':'] {
                    let mut w = [fill; 8];
                    w[lane] = v;
                    let want: u64 =
                        w.iter().enumerate().filter(|(_, c)| c.is_ascii_digit()).map(|(k, _)| 0x80 << (8 * k)).sum();
                    assert_eq!(digit_mask(u64::from_le_bytes(w)), want, "lane {lane} byte {v:#x} fill {fill:#x}");
                }
            }
        }
    }

    #[test]
    fn number_lines_agrees_with_reading_every_byte() {
        fn naive(s: &str, cap: usize) -> usize {
            let (mut n, mut digits) = (0, 0);
            for &c in s.as_bytes() {
                n += usize::from(number_step(c, &mut digits));
                if n >= cap {
                    return n;
                }
            }
            n
        }
        let mut x: u32 = 1;
        for round in 0..300 {
            let s: String = (0..round * 3)
                .map(|_| {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    // Dense digits on even rounds; on odd ones long digit-free stretches
                    // (the word-at-a-time skip) with a digit or a run now and then.
                    let k = (x >> 24) as usize;
                    if round % 2 == 0 || k.is_multiple_of(40) {
                        b"0123456789 -./()+abcxyz\n\xe9"[k % 25] as char
                    } else {
                        b"abcdefghij -./()+xyz\n\xe9"[k % 22] as char
                    }
                })
                .collect();
            for cap in [1, 3, 10, 1000] {
                assert_eq!(number_lines(&s, cap), naive(&s, cap), "{s:?} cap {cap}");
            }
        }
    }

    /// `value_inert` never refuses a cell a validator accepts: checked against
    /// `from_value` and `looks_like_name` on generated cells of every class.
    #[test]
    fn inert_cells_are_never_typed() {
        let mut x: u32 = 7;
        let alphabet = b"0123456789.:-/ +aZeKx@_,()\xc3\xa9";
        let mut inert = 0;
        for round in 0..200_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let len = 1 + (x >> 27) as usize % 24;
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // Mostly digits, dots and colons (the cells the rule is for), sometimes anything.
                let k = (x >> 24) as usize;
                v.push(if round % 3 == 0 { alphabet[k % alphabet.len()] } else { b"0123456789.:"[k % 12] });
            }
            let Ok(v) = String::from_utf8(v) else { continue };
            let v = trim(&v);
            if v.is_empty() {
                continue;
            }
            if value_inert(v, class::of(v)) {
                inert += 1;
                assert_eq!(from_value(v), None, "{v:?}");
                assert!(!looks_like_name(v), "{v:?}");
            }
        }
        assert!(inert > 50_000, "{inert}");
        for v in ["4111111111111111", "184057645108931", "Jane Doe", "Acme GmbH", "+49 30 1234567", "078-05-1121"] {
            assert!(!value_inert(v, class::of(v)), "{v}");
        }
        for v in ["1700000000", "0.794", "155", "12:30:05", "premium", "1.2.3.4"] {
            assert!(value_inert(v, class::of(v)), "{v}");
        }
    }

    #[test]
    fn headers_in_seven_languages() {
        for (h, f) in [
            ("E-Mail", Field::Email),
            ("courriel", Field::Email),
            ("admin_email", Field::Email),
            ("Telefon", Field::Phone),
            ("teléfono", Field::Phone),
            ("Mobile Phone", Field::Phone),
            ("adresse", Field::Address),
            ("Straße", Field::Address),
            ("date_of_birth", Field::Birthdate),
            ("Geburtsdatum", Field::Birthdate),
            ("IBAN", Field::Iban),
            ("card_number", Field::Card),
            ("customer", Field::Company),
            ("Kunde", Field::Company),
            ("client", Field::Company),
            ("company_name", Field::Company),
            ("first_name", Field::Name),
            ("Nachname", Field::Name),
            ("SSN", Field::NationalId),
            ("NIR", Field::NationalId),
            ("Numéro de sécurité sociale", Field::NationalId),
            ("client_numero_securite_sociale", Field::NationalId),
            ("codice_fiscale", Field::NationalId),
            ("Codice Fiscale", Field::NationalId),
            ("Steuer-ID", Field::NationalId),
            ("Steueridentifikationsnummer", Field::NationalId),
            ("aadhaar", Field::NationalId),
            ("Aadhaar Number", Field::NationalId),
            ("customer_date_of_birth", Field::Birthdate),
            ("credit_card_number", Field::Card),
        ] {
            assert_eq!(from_header(h), Some(f), "{h}");
        }
        for h in ["id", "sku", "price", "customer_id", "EAN"] {
            assert_eq!(from_header(h), Some(Field::Other), "{h}");
        }
        for (h, f) in
            [("plan", Field::Plan), ("Tier", Field::Plan), ("seats", Field::Plan), ("tenant_id", Field::Tenant)]
        {
            assert_eq!(from_header(h), Some(f), "{h}");
        }
        for h in ["created_at", "Jane Doe", "license"] {
            assert_eq!(from_header(h), None, "{h}");
        }
    }

    #[test]
    fn validators() {
        assert!(is_card("4111 1111 1111 1111") && is_card("5555-5555-5555-4444") && is_card("378282246310005"));
        assert!(!is_card("4111 1111 1111 1112") && !is_card("1234567812345670") && !is_card("0000000000000000"));
        assert!(is_iban("DE89 3704 0044 0532 0130 00") && is_iban("GB82WEST12345698765432"));
        assert!(!is_iban("DE89 3704 0044 0532 0130 01"));
        assert!(is_ssn("078-05-1121") && !is_ssn("000-12-3456") && !is_ssn("666-12-3456"));
        assert!(is_nino("AB123456C") && !is_nino("QQ123456C") && !is_nino("AB123456E"));
        assert!(is_dni("12345678Z") && !is_dni("12345678A") && is_dni("X1234567L"));
        assert!(is_cpf("111.444.777-35") && !is_cpf("111.444.777-36"));
        assert!(is_bsn("111222333") && !is_bsn("111222334"));
        assert!(is_nir("2 55 08 14 168 025 38") && is_nir("184057645108931") && is_nir("1 84 05 2A 451 089 18"));
        assert!(!is_nir("2 55 08 14 168 025 39") && !is_nir("184052A45108931") && !is_nir("5 55 08 14 168 025 38"));
        assert!(!is_nir("1 84 13 76 451 089 04") && !is_nir("18405764510893"));
        assert!(is_codice_fiscale("RSSMRA85T10A562S") && is_codice_fiscale("BNCGNN70A41H501V"));
        assert!(is_codice_fiscale("rssmra85t10a562s") && !is_codice_fiscale("RSSMRA85T10A562T"));
        assert!(!is_codice_fiscale("RSSMRA85Z10A562S") && !is_codice_fiscale("RSSMRA8XT10A562S"));
        assert!(is_steuer_id("86095742719") && is_steuer_id("47 036 892 816") && is_steuer_id("65929970489"));
        assert!(!is_steuer_id("86095742718") && !is_steuer_id("06095742719") && !is_steuer_id("12345678903"));
        assert!(!is_steuer_id("11111111116") && !is_steuer_id("1234567890"));
        assert!(is_aadhaar("2341 2341 2346") && is_aadhaar("499187198765") && is_aadhaar("2341-2341-2346"));
        assert!(!is_aadhaar("234123412347") && !is_aadhaar("123412341234") && !is_aadhaar("2341234123"));
        for v in ["2 55 08 14 168 025 38", "RSSMRA85T10A562S"] {
            assert_eq!(from_value(v), Some(Field::NationalId), "{v}");
        }
        for v in ["86095742719", "234123412346"] {
            assert_eq!(from_value(v), None, "{v} is typed only under a header");
            assert!(is_named_national_id(v), "{v}");
        }
        assert!(is_phone("+49 30 1234567") && is_phone("(030) 123-4567") && is_phone("0171/2345678"));
        assert!(!is_phone("2024-01-15") && !is_phone("1.2.3") && !is_phone("0000000"));
        assert!(is_street_address("12 Baker Street") && is_street_address("Hauptstraße 5"));
        assert!(is_street_address("rue de Rivoli 4") && is_street_address("Calle Mayor, 3"));
        assert!(!is_street_address("Street Fighter") && !is_street_address("version 2 of it"));
        assert!(is_company("Kestrelmark GmbH") && is_company("Acme Holdings Ltd.") && is_company("Norvale B.V."));
        assert!(!is_company("The End") && !is_company("Ltd") && !is_company("Jane Doe"));
        assert!(is_company("Brightfalcon Analytics"));
        assert!(is_plan_value("premium-eu") && is_plan_value("Enterprise") && is_plan_value("business plus"));
        assert!(!is_plan_value("Gold") && !is_plan_value("profile") && !is_plan_value("premium members of the board"));
        assert!(is_sponsor_tier("Gold") && is_sponsor_tier("platinum sponsor") && !is_sponsor_tier("premium"));
        assert!(roster_hint("company,Tier\n") && !roster_hint("name,version,license\n"));
        assert!(is_birthdate("1984-03-12") && is_birthdate("12.03.1984") && !is_birthdate("2024-13-45"));
    }
}
