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

            /// Whether the code names a warning (the policy still loads).
            pub fn is_warning(self) -> bool {
                self.title().starts_with("warning: ")
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
    UnknownKey = "unknown-key": "a key leakguard does not know",
        "Every key of a policy file is checked against the format (`leakguard policy schema`), so a typo is an error, not a silent no-op. Every unknown key of every file is reported in one run, with the keys allowed at that place.";
    ExtendsIgnored = "extends-ignored": "warning: `extends: []` has no effect because another policy file extends the built-in pack",
        "The built-in pack is the base of the effective policy unless every policy file opts out with `extends: []`. A file without `extends` means `extends: [builtin]`, and `--policy builtin` names the pack explicitly. Add `extends: []` to every file of the policy (and drop `--policy builtin`) to start empty.";
    NoCustomerListRule = "no-customer-list-rule": "warning: no rule of the effective policy judges class `customer-list`",
        "Customer lists then pass every hook and scan. This is usually a policy that says `extends: []` or replaces the pack's `customer-list` class or rule without a rule of its own. `leakguard policy show` prints the effective policy with the file each item came from.";
    NoApprovers = "no-approvers": "warning: a rule's override can never be satisfied: its approver roles have no members, or there is no allowed_signers file",
        "A blocking finding of such a rule cannot be approved by anyone. Add principals to the approver roles (`roles:`), list their SSH keys in the `approvals.allowed_signers` file, or run `leakguard init --approver NAME=KEYFILE`.";
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
    BadSetting = "bad-setting": "a `settings:` value is not one leakguard knows",
        "Every setting is checked like every other key: `unscannable` is block, warn or info; `exec_unknown` is allow or block; sizes (`max_file_size`, `max_archive_bytes`) are a number with an optional unit B, KB, KiB, MB, MiB, GB, GiB (`1GiB`, `10 GB`). A value that does not parse is an error at its place, never a silent default.";
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
    ApprovalUnreadable = "approval-unreadable": "an approval file is not an SSH signature",
        "Approvals are armored SSHSIG files (`-----BEGIN SSH SIGNATURE-----`), as `leakguard approval sign` and `ssh-keygen -Y sign -n leakguard-approval` write them, stored as `<approvals>/<request-id>/<principal>.sig`.";
    ApprovalUnlisted = "approval-unlisted": "the signing key is not listed for that principal in allowed_signers",
        "A signature counts only when the policy's `approvals.allowed_signers` file (git's format: `principals [options] keytype key`) lists the signing key for the principal the file is named after. On a server, that file is the server policy's own copy, never the pushed tree's. Add the approver's public key, or name the signature file after the principal the key is listed for.";
    ApprovalNamespace = "approval-namespace": "the signature is for another namespace, or the key may not sign ours",
        "Approvals are signed in the policy's namespace (`leakguard-approval` unless `approvals.namespace` says otherwise): `ssh-keygen -Y sign -n leakguard-approval`. An allowed_signers line with `namespaces=\"...\"` limits its key to those namespaces.";
    ApprovalCertAuthority = "approval-cert-authority": "allowed_signers lists a certificate authority",
        "Approvals name people: list each approver's own public key. `cert-authority` lines are not supported and never make a signature count.";
    ApprovalKeyValidity = "approval-key-validity": "the key is outside its valid-after / valid-before window",
        "An allowed_signers line's `valid-after=` and `valid-before=` (YYYYMMDD[HHMM[SS]][Z], UTC) bound when its key may approve. Renew the line, or sign with a current key.";
    ApprovalOtherRequest = "approval-other-request": "the signature is over a different request",
        "A signature counts only over the exact bytes of a request file whose subject is this request (same rules, scope, content, requester and policy). Content changed after approval, another rule, another repository or another action give another request id: sign that one.";
    ApprovalExpired = "approval-expired": "the request has expired, or claims a longer life than the rule allows",
        "A request lives `override.ttl` (the rule's) from its creation. An expired request is replaced by a fresh one the next time the step is blocked; it needs new signatures. A request whose lifetime exceeds the rule's ttl, or that claims to be created in the future, counts nothing.";
    ApprovalSelf = "approval-self": "the approver is the requester, or authored or committed the content",
        "Two-person approval means two people besides the one asking: the requester, and for a push the authors and committers of the pushed commits, never count.";
    ApprovalRole = "approval-role": "the approver holds none of the rule's approver roles",
        "`override.approvers` names roles; `roles:` lists who holds them. The principal a signature is filed under must hold one of them.";
    ApprovalDuplicate = "approval-duplicate": "the same person or the same key approved twice",
        "Distinct principals and distinct keys are counted: one person signing twice, or with two keys, counts once; one key filed under two names counts once.";
    ApprovalUsed = "approval-used": "an export approval was already used",
        "Approvals of `exec` actions are single-use: the audit log records their consumption (under its lock, so racing runs cannot both use one). Run the step again for a fresh request and have it signed.";
    ApprovalReason = "approval-reason": "the signed request gives no reason and the rule requires one",
        "A rule with `override: {reason: required}` (written out) counts signatures only over a request file that carries a reason. The requester adds one with `leakguard approval request ID --reason …` (or `leakguard exec --reason …`), and the approvers sign that file. `leakguard approval sign` refuses to sign a request without it.";
    AuditCheckpointSignature = "audit-checkpoint-signature": "an audit checkpoint's signature is unreadable or does not verify over the checkpoint it claims",
        "A checkpoint entry (`event: checkpoint`) of the audit log carries an SSHSIG (namespace `leakguard-audit`) over the text `leakguard-audit-checkpoint v1`, the log id, the number of lines and the head hash it pins, and its time. The signature is unreadable, in another namespace, or over other text: the entry was forged or edited. The log cannot be trusted past this point; compare it with a backup or the last head kept elsewhere.";
    AuditCheckpointUnlisted = "audit-checkpoint-unlisted": "an audit checkpoint is signed by a key allowed_signers does not list for its principal",
        "Checkpoints are verified against the policy's `approvals.allowed_signers` like approvals: the key must be listed for the checkpoint's principal, not as a cert-authority, allowed the `leakguard-audit` namespace (`namespaces=`) and valid (`valid-after`/`valid-before`) at the checkpoint's signed time. A policy without an allowed_signers file cannot verify any checkpoint. A key that is not listed means someone who can write the log appended a checkpoint of their own.";
    AuditCheckpointRole = "audit-checkpoint-role": "an audit checkpoint's principal holds none of the audit signer roles",
        "Only members of the roles in `settings.audit_signers` may sign checkpoints; by default, the roles that approve every rule with an override (the built-in pack's `security-officer`). Add the principal to such a role, or list its role in `settings.audit_signers`.";
    AuditCheckpointMismatch = "audit-checkpoint-mismatch": "the audit log before a signed checkpoint is not the log that was signed",
        "A valid checkpoint pins the first N lines of the log by their head hash. The chain's hash at line N is now another one: lines before the checkpoint were rewritten and the chain recomputed (or lines were inserted or removed before it). Lines after the last checkpoint are protected by the hash chain only.";
    FingerprintKey = "fingerprint-key": "the fingerprint key is invalid",
        "A class has a `fingerprints` detector and the key (`$LEAKGUARD_FP_KEY`, hex of 16 or more bytes or the path of a key file, or `settings.fingerprint_key_file`) is too short or cannot be read. Without a valid key the detector could only match nothing, so the policy is refused. A set registered with another key is detected by its key check value.";
    BadAction = "bad-action": "an action's `output` or `sends` is not one leakguard can read",
        "`output` is `stdout`, `{flag: --out}` or `{arg: N}`, each with an optional `default: PATH` (where the tool writes when the flag is absent). `sends` names a `destination` and either `args: files`, a list of argument positions, or a built-in `recipe` (curl, wget, scp, sftp, rsync, aws, gsutil, gcloud, rclone, az).";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
