//! Mutations of valid documents, and arbitrary inputs.
//!
//! A decoder that survives random bytes may still break on a document that is *almost* right:
//! the right keys with a string where a number was, a 2^64 id, an array nested 100 000 deep, a
//! 200 kB name. [`mutated`] starts from a valid document (a crate's fixture) and applies one to
//! three [`Mutation`]s, byte-level or JSON-aware; [`body`] mixes those with arbitrary JSON and
//! arbitrary bytes.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// One change to a document.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flips one bit of one byte.
    FlipBit {
        /// Which byte (taken modulo the length).
        at: usize,
        /// Which bit (0 to 7).
        bit: u8,
    },
    /// Inserts a byte.
    InsertByte {
        /// Where.
        at: usize,
        /// The byte.
        byte: u8,
    },
    /// Deletes up to `len` bytes.
    DeleteBytes {
        /// From where.
        at: usize,
        /// How many (at most).
        len: usize,
    },
    /// Cuts the document short.
    Truncate {
        /// Where.
        at: usize,
    },
    /// Repeats a run of bytes in place.
    DuplicateBytes {
        /// From where.
        at: usize,
        /// How many (at most).
        len: usize,
    },
    /// Replaces one JSON value (the document, a field's value or an array item) with another
    /// (no change when the document is not JSON).
    ReplaceValue {
        /// Which value, in document order.
        node: usize,
        /// What goes there.
        with: Replacement,
    },
    /// Removes one JSON value from its object or array (the whole document: nothing left).
    RemoveValue {
        /// Which value, in document order.
        node: usize,
    },
    /// Renames one key of one JSON object.
    RenameKey {
        /// Which value (when it is an object with keys).
        node: usize,
        /// Which key.
        key: usize,
        /// Its new name.
        to: KeyRename,
    },
}

/// What replaces a JSON value.
#[derive(Debug, Clone)]
pub enum Replacement {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (including the extremes of `i64`).
    Integer(i64),
    /// A float.
    Float(f64),
    /// A short string.
    Text(String),
    /// A string of `len` copies of `unit`.
    LongText {
        /// The repeated piece.
        unit: &'static str,
        /// How many times.
        len: usize,
    },
    /// `[]`.
    EmptyArray,
    /// `{}`.
    EmptyObject,
    /// The value inside a one-item array.
    WrappedInArray,
    /// The value's JSON text as a string (`5` becomes `"5"`).
    AsString,
    /// JSON text that `serde_json::Value` cannot hold: numbers beyond `u64` and `f64`.
    HugeNumber(&'static str),
    /// Arrays (or objects) nested `depth` deep: serde_json stops at 128.
    Nested {
        /// How deep.
        depth: usize,
        /// Objects (`{"a":...}`) rather than arrays.
        objects: bool,
    },
}

/// A new name for a JSON key.
#[derive(Debug, Clone)]
pub enum KeyRename {
    /// The key in upper case.
    Upper,
    /// The empty key.
    Empty,
    /// The key with a trailing space.
    TrailingSpace,
    /// A key of 10 000 characters.
    Long,
}

/// Numbers that overflow every Rust integer and float the decoders use.
pub const HUGE_NUMBERS: &[&str] = &[
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890123456789",
    "1e400",
    "-1e400",
    "1.7976931348623157e309",
    "1e-400",
    "0.00000000000000000000000000000000000000000000000000000001",
];

/// A placeholder that marks where raw JSON text replaces a value; never in a fixture.
const RAW: &str = "__hostile_input_raw_5f3a__";

fn replacement() -> impl Strategy<Value = Replacement> {
    prop_oneof![
        Just(Replacement::Null),
        any::<bool>().prop_map(Replacement::Bool),
        prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(-1i64),
            Just(0),
            any::<i64>()
        ]
        .prop_map(Replacement::Integer),
        prop_oneof![
            Just(f64::MAX),
            Just(f64::MIN_POSITIVE),
            Just(-0.0),
            Just(0.5),
            any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
        ]
        .prop_map(Replacement::Float),
        "[ -~]{0,12}|\\PC{0,6}".prop_map(Replacement::Text),
        (
            prop_oneof![
                Just("A"),
                Just("word "),
                Just("é"),
                Just("\u{0}"),
                Just("\"\\")
            ],
            prop_oneof![Just(1_000usize), Just(65_536), Just(200_000)]
        )
            .prop_map(|(unit, len)| Replacement::LongText { unit, len }),
        Just(Replacement::EmptyArray),
        Just(Replacement::EmptyObject),
        Just(Replacement::WrappedInArray),
        Just(Replacement::AsString),
        proptest::sample::select(HUGE_NUMBERS).prop_map(Replacement::HugeNumber),
        (
            prop_oneof![
                Just(127usize),
                Just(128),
                Just(129),
                Just(1_000),
                Just(100_000)
            ],
            any::<bool>()
        )
            .prop_map(|(depth, objects)| Replacement::Nested { depth, objects }),
    ]
}

/// One mutation, JSON-aware ones weighted higher (they reach deeper into a decoder).
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::InsertByte { at, byte }),
        1 => (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::DeleteBytes { at, len }),
        1 => any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::DuplicateBytes { at, len }),
        6 => (any::<usize>(), replacement())
            .prop_map(|(node, with)| Mutation::ReplaceValue { node, with }),
        2 => any::<usize>().prop_map(|node| Mutation::RemoveValue { node }),
        2 => (
            any::<usize>(),
            any::<usize>(),
            prop_oneof![
                Just(KeyRename::Upper),
                Just(KeyRename::Empty),
                Just(KeyRename::TrailingSpace),
                Just(KeyRename::Long)
            ]
        )
            .prop_map(|(node, key, to)| Mutation::RenameKey { node, key, to }),
    ]
}

/// `valid` with one to three mutations applied.
pub fn mutated(valid: &[u8]) -> impl Strategy<Value = Vec<u8>> + use<> {
    let valid = valid.to_vec();
    prop::collection::vec(mutation(), 1..4).prop_map(move |mutations| apply(&valid, &mutations))
}

/// Applies `mutations` in order to a copy of `document`.
pub fn apply(document: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = document.to_vec();
    for mutation in mutations {
        apply_one(&mut bytes, mutation);
    }
    bytes
}

fn apply_one(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match mutation {
        Mutation::FlipBit { at, bit } if len > 0 => bytes[pick(*at, len)] ^= 1 << bit,
        Mutation::InsertByte { at, byte } => bytes.insert(pick(*at, len + 1), *byte),
        Mutation::DeleteBytes { at, len: n } if len > 0 => {
            let start = pick(*at, len);
            bytes.drain(start..(start + n).min(len));
        }
        Mutation::Truncate { at } => bytes.truncate(pick(*at, len + 1)),
        Mutation::DuplicateBytes { at, len: n } if len > 0 => {
            let start = pick(*at, len);
            let run = bytes[start..(start + n).min(len)].to_vec();
            bytes.splice(start..start, run);
        }
        Mutation::ReplaceValue { node, with } => edit_json(bytes, |root| {
            let target = pick(*node, count(root));
            let mut seen = 0;
            visit(root, target, &mut seen, &mut |value| replace(value, with));
        }),
        Mutation::RemoveValue { node } => edit_json(bytes, |root| {
            let target = pick(*node, count(root));
            if target == 0 {
                *root = Value::String(format!("{RAW}removed"));
            } else {
                let mut seen = 1;
                remove(root, target, &mut seen);
            }
        }),
        Mutation::RenameKey { node, key, to } => edit_json(bytes, |root| {
            let target = pick(*node, count(root));
            let mut seen = 0;
            visit(root, target, &mut seen, &mut |value| {
                rename(value, *key, to)
            });
        }),
        // Byte mutations of an empty document: nothing to change.
        _ => {}
    }
}

/// Parses, edits and writes back a JSON document; leaves anything else alone. Raw-text
/// placeholders are then replaced by their text.
fn edit_json(bytes: &mut Vec<u8>, edit: impl FnOnce(&mut Value)) {
    let Ok(mut root) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    edit(&mut root);
    let text = serde_json::to_string(&root).expect("a Value always serializes");
    *bytes = splice_raw(&text).into_bytes();
}

/// Replaces each `"<RAW><text>"` string with `<text>` as raw JSON.
fn splice_raw(text: &str) -> String {
    let marker = format!("\"{RAW}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(&marker) {
        out.push_str(&rest[..start]);
        let after = &rest[start + marker.len()..];
        let end = after.find('"').expect("placeholders hold no quote");
        out.push_str(&raw_text(&after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The raw JSON a placeholder stands for: `removed`, a huge number, or `nested:<depth>:<a|o>`.
fn raw_text(spec: &str) -> String {
    if spec == "removed" {
        return String::new();
    }
    if let Some(nested) = spec.strip_prefix("nested:") {
        let (depth, kind) = nested.split_once(':').expect("nested:<depth>:<kind>");
        let depth: usize = depth.parse().expect("a depth");
        return if kind == "o" {
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        } else {
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
        };
    }
    spec.to_owned()
}

/// Position `raw` within `len` items (`len > 0`): a plain remainder, so that shrinking `raw`
/// towards zero moves towards the start.
fn pick(raw: usize, len: usize) -> usize {
    raw % len
}

fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(map) => map.values().map(count).sum(),
        _ => 0,
    }
}

/// Calls `edit` on the `target`-th value in document order; true once done.
fn visit(
    value: &mut Value,
    target: usize,
    seen: &mut usize,
    edit: &mut dyn FnMut(&mut Value),
) -> bool {
    if *seen == target {
        edit(value);
        return true;
    }
    *seen += 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|item| visit(item, target, seen, edit)),
        Value::Object(map) => map.values_mut().any(|item| visit(item, target, seen, edit)),
        _ => false,
    }
}

/// Removes the `target`-th value (not the root) from its parent; `seen` counts `value` itself.
fn remove(value: &mut Value, target: usize, seen: &mut usize) -> bool {
    match value {
        Value::Array(items) => {
            for i in 0..items.len() {
                if *seen == target {
                    items.remove(i);
                    return true;
                }
                *seen += 1;
                if remove(&mut items[i], target, seen) {
                    return true;
                }
            }
            false
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if *seen == target {
                    map.remove(&key);
                    return true;
                }
                *seen += 1;
                if remove(map.get_mut(&key).expect("listed key"), target, seen) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn replace(value: &mut Value, with: &Replacement) {
    *value = match with {
        Replacement::Null => Value::Null,
        Replacement::Bool(b) => Value::Bool(*b),
        Replacement::Integer(n) => Value::from(*n),
        Replacement::Float(f) => Value::from(*f),
        Replacement::Text(text) => Value::String(text.clone()),
        Replacement::LongText { unit, len } => Value::String(unit.repeat(*len)),
        Replacement::EmptyArray => Value::Array(Vec::new()),
        Replacement::EmptyObject => Value::Object(Map::new()),
        Replacement::WrappedInArray => Value::Array(vec![value.take()]),
        Replacement::AsString => Value::String(value.to_string()),
        Replacement::HugeNumber(text) => Value::String(format!("{RAW}{text}")),
        Replacement::Nested { depth, objects } => {
            let kind = if *objects { "o" } else { "a" };
            Value::String(format!("{RAW}nested:{depth}:{kind}"))
        }
    };
}

fn rename(value: &mut Value, key: usize, to: &KeyRename) {
    let Value::Object(map) = value else {
        return;
    };
    if map.is_empty() {
        return;
    }
    let old = map
        .keys()
        .nth(pick(key, map.len()))
        .cloned()
        .expect("in range");
    let new = match to {
        KeyRename::Upper => old.to_uppercase(),
        KeyRename::Empty => String::new(),
        KeyRename::TrailingSpace => format!("{old} "),
        KeyRename::Long => old.repeat(10_000 / old.len().max(1) + 1),
    };
    let item = map.remove(&old).expect("listed key");
    map.insert(new, item);
}

/// Arbitrary bytes, up to 512.
pub fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..512)
}

/// Arbitrary JSON whose object keys are mostly drawn from `keys` (a vendor's field names), so
/// that decoders see their own fields with the wrong shapes.
pub fn arbitrary_json(keys: &'static [&'static str]) -> BoxedStrategy<Value> {
    let key = prop_oneof![
        3 => proptest::sample::select(keys).prop_map(str::to_owned),
        1 => "[a-zA-Z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[A-Za-z0-9+/= ]{0,16}".prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A body for a decoder: mostly a mutation of one of `valid` (or one of them untouched), and
/// sometimes arbitrary JSON over `keys` or arbitrary bytes.
pub fn body(valid: &[&[u8]], keys: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    let documents: Vec<Vec<u8>> = valid.iter().map(|d| d.to_vec()).collect();
    let pick = proptest::sample::select(documents);
    prop_oneof![
        6 => (pick.clone(), prop::collection::vec(mutation(), 1..4))
            .prop_map(|(doc, mutations)| apply(&doc, &mutations)),
        1 => pick,
        2 => arbitrary_json(keys).prop_map(|v| serde_json::to_vec(&v).expect("serializes")),
        1 => arbitrary_bytes(),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(i: usize) -> usize {
        i
    }

    #[test]
    fn raw_replacements_produce_the_raw_text() {
        let doc = br#"{"id":1,"name":"x"}"#;
        let huge = apply(
            doc,
            &[Mutation::ReplaceValue {
                node: index(0),
                with: Replacement::HugeNumber("1e400"),
            }],
        );
        assert_eq!(huge, b"1e400");
        let nested = apply(
            doc,
            &[Mutation::ReplaceValue {
                node: index(0),
                with: Replacement::Nested {
                    depth: 3,
                    objects: false,
                },
            }],
        );
        assert_eq!(nested, b"[[[1]]]");
    }

    #[test]
    fn removing_the_root_leaves_nothing_and_bytes_mutations_accept_empty_input() {
        let doc = br#"{"id":1}"#;
        assert_eq!(apply(doc, &[Mutation::RemoveValue { node: index(0) }]), b"");
        let empty = apply(
            b"",
            &[
                Mutation::FlipBit {
                    at: index(0),
                    bit: 1,
                },
                Mutation::DeleteBytes {
                    at: index(0),
                    len: 3,
                },
                Mutation::Truncate { at: index(0) },
            ],
        );
        assert!(empty.is_empty());
    }

    #[test]
    fn every_value_can_be_reached() {
        let doc = br#"{"a":[1,{"b":2}],"c":"x"}"#;
        let root: Value = serde_json::from_slice(doc).unwrap();
        assert_eq!(count(&root), 6);
        let mut touched = Vec::new();
        for target in 0..6 {
            let mut copy = root.clone();
            let mut seen = 0;
            assert!(visit(&mut copy, target, &mut seen, &mut |v| *v = Value::Null));
            touched.push(copy);
        }
        assert_eq!(
            touched[5],
            serde_json::json!({"a": [1, {"b": 2}], "c": null})
        );
        let mut copy = root.clone();
        let mut seen = 1;
        assert!(remove(&mut copy, 3, &mut seen));
        assert_eq!(copy, serde_json::json!({"a": [1], "c": "x"}));
    }
}
