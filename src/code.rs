//! Diagnostic codes: one enum, each with a title and an explanation that
//! `leakguard policy explain <CODE>` prints. Every policy diagnostic carries one.

use std::fmt;

macro_rules! codes {
    ($($variant:ident = $name:literal : $title:literal, $explain:literal;)*) => {
        /// Every diagnostic code leakguard emits.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// Stable kebab-case name, as shown in diagnostics (`leakguard::bad-regex`).
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            /// One line.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }

            /// A paragraph for `policy explain`.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $explain),* }
            }

            pub fn from_name(s: &str) -> Option<Code> {
                let s = s.strip_prefix("leakguard::").unwrap_or(s);
                Code::ALL.iter().copied().find(|c| c.name() == s)
            }
        }
    };
}

codes! {
    PolicySyntax = "policy-syntax": "the policy file is not valid YAML or does not have the policy's shape",
        "The file could not be read as a policy: a YAML syntax error, a key leakguard does not know (every key is checked, so a typo is an error, not a silent no-op), or a value of the wrong type. `leakguard policy schema` prints the JSON Schema of the format.";
    UnsupportedVersion = "unsupported-version": "the policy declares a version this leakguard does not know",
        "Only `version: 1` exists. A newer policy needs a newer leakguard.";
    DuplicateId = "duplicate-id": "an id is declared twice",
        "Class, store, action, role and rule ids are unique across every policy file that is loaded together. Rename one of them, or remove the copy.";
    UnknownClass = "unknown-class": "a rule or action names a class that no policy declares",
        "Rules (`class:`) and actions (`produces:`) refer to classes declared under `classes:`. Check the spelling, or declare the class.";
    UnknownStore = "unknown-store": "a rule allows a class in a store that no policy declares",
        "`allow_in:` lists store ids declared under `stores:`.";
    UnknownRole = "unknown-role": "a store, action or override names a role that no policy declares",
        "Roles are declared under `roles:` with the principals that hold them. Stores, actions, override approvers and break-glass approvers refer to them by name.";
    BadRegex = "bad-regex": "a pattern detector's regex does not compile",
        "Patterns use the Rust `regex` syntax (no look-around, no back-references). The label points at the regex; the help says what the regex engine rejected.";
    BadGlob = "bad-glob": "a path or argument glob does not parse",
        "Globs use the `globset` syntax: `*` within a path component, `**` across components, `{a,b}` alternatives, `[abc]` classes.";
    BadSeverity = "bad-severity": "a severity is not one of block, warn, info",
        "`block` stops the step (exit 1, or 77 for exec); `warn` is reported and lets it through; `info` is reported in JSON and SARIF only.";
    BadDuration = "bad-duration": "a duration does not parse",
        "Durations are a number and a unit: `90s`, `30m`, `24h`, `7d`, `2w`.";
    BadDigest = "bad-digest": "an accepted digest is not `sha256:` and 64 hex digits",
        "Digests come from a finding's `digest` field (`--format json`) or from `scan --write-baseline`.";
    BadSize = "bad-size": "a size does not parse",
        "Sizes are a number with an optional unit: `1048576`, `64KiB`, `512MiB`, `1GiB`, `100MB`.";
    EmptyClass = "empty-class": "a class has no detectors",
        "A class without detectors can never match, so a rule about it never fires. Add at least one detector under `detect:`.";
    BadExample = "bad-example": "an example names a fixture file that cannot be read",
        "Examples are inline text, or a path relative to the policy file. A string that looks like a path (no spaces or newlines, with a `/` or a file extension) and does not exist is reported.";
    BadOverride = "bad-override": "an override cannot be satisfied",
        "`override.approvals` must be at least 1 and `approvers` must name declared roles.";
    ExampleMissed = "example-missed": "policy test: an example of a class was not detected",
        "Each `examples` entry must be recognised as its class by the class's detectors. Loosen the detector, or fix the example.";
    NegativeFlagged = "negative-flagged": "policy test: a negative example was detected",
        "Each `negative_examples` entry must not be recognised as the class. Tighten the detector, or fix the example.";
    Unscannable = "unscannable": "content could not be read or decoded",
        "A file or archive member could not be read (vanished, permission denied, corrupt archive, compression bomb, too large). It is reported so that coverage is never claimed falsely. Its severity is `settings.unscannable` (default warn).";
    StaleBaseline = "stale-baseline": "a baseline entry no longer matches any finding",
        "The accepted digest matched nothing in this scan: the content it accepted is gone or changed. Remove it from the baseline (re-run with --write-baseline).";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
