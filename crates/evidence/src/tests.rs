use proptest::prelude::*;

use super::*;

fn audit(id: i64, detail: &str) -> Record<'_> {
    Record::Audit {
        id,
        at_ms: 1_700_000_000_000,
        actor: "admin",
        action: "device_created",
        subject: "device:X",
        detail,
    }
}

/// Chains `records` from genesis, then verifies them after `tamper` has been
/// applied to the (record, stored hash) list; returns the verification outcome.
fn check(
    records: &[Record<'_>],
    tamper: impl FnOnce(&mut Vec<(Record<'_>, Hash)>),
) -> Result<Head> {
    let mut chain = Chain::default();
    let mut rows: Vec<(Record<'_>, Hash)> =
        records.iter().map(|record| (*record, chain.append(record))).collect();
    let head = chain.head();
    tamper(&mut rows);
    let mut verifier = Verifier::default();
    for (record, hash) in &rows {
        verifier.check(record, Some(hash))?;
    }
    verifier.finish(Some(&head))
}

#[test]
fn golden_encoding_of_an_audit_record() {
    let mut encoded = Vec::new();
    encode(&audit(1, "{}"), &mut encoded);
    let mut expected = Vec::new();
    expected.extend_from_slice(&17u64.to_be_bytes());
    expected.extend_from_slice(b"qingshan.audit.v1");
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    expected.extend_from_slice(&1_700_000_000_000i64.to_be_bytes());
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 5]);
    expected.extend_from_slice(b"admin");
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 14]);
    expected.extend_from_slice(b"device_created");
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 8]);
    expected.extend_from_slice(b"device:X");
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 2]);
    expected.extend_from_slice(b"{}");
    assert_eq!(encoded, expected);
}

#[test]
fn golden_chain_hashes() {
    // SHA-256 of (32 zero bytes ‖ the encoding above), computed once with `sha256sum`.
    let first = chain_hash(&GENESIS, &audit(1, "{}"));
    assert_eq!(to_hex(&first), "316a4946798256b96a2f6f08e1baa09670cd4f8c1e97ae30d1d8d117e16f9e7d");
    // A raw packet chained after it: absent MN and reason (byte 0), present device and CN (byte 1).
    let raw = Record::RawPacket {
        id: 7,
        received_ms: -1,
        peer: "127.0.0.1:1",
        mn: None,
        device_id: Some(3),
        cn: Some(2011),
        verdict: "accepted",
        reason: None,
        deviations: "[]",
        bytes: b"##\r\n",
    };
    let second = chain_hash(&first, &raw);
    assert_eq!(to_hex(&second), "6f6371af95c22be1a7e9ba97d1c240b707e78a44716ee968a4eaca6f1185284e");
}

#[test]
fn an_intact_chain_verifies() {
    let records = [audit(1, "{}"), audit(2, "{\"a\":1}"), audit(3, "")];
    let head = check(&records, |_| {}).unwrap();
    assert_eq!(head.n_records, 3);
    assert_eq!(head.last_id, 3);
    assert_eq!(check(&[], |_| {}).unwrap(), Head::default());
}

#[test]
fn a_modified_record_is_found_at_its_position() {
    let records = [audit(1, "{}"), audit(2, "{}"), audit(3, "{}")];
    let error = check(&records, |rows| rows[1].0 = audit(2, "{\"x\":1}")).unwrap_err();
    assert_eq!((error.reason(), error.id()), ("modified", 2));
}

#[test]
fn a_deleted_record_is_found_at_its_position() {
    let records = [audit(1, "{}"), audit(2, "{}"), audit(3, "{}")];
    let error = check(&records, |rows| {
        rows.remove(1);
    })
    .unwrap_err();
    assert_eq!((error.reason(), error.id()), ("deleted", 3));
    let error = check(&records, |rows| {
        rows.pop();
    })
    .unwrap_err();
    assert_eq!((error.reason(), error.id()), ("truncated", 3));
}

#[test]
fn a_reordered_record_is_found_at_its_position() {
    let records = [audit(1, "{}"), audit(2, "{}"), audit(3, "{}")];
    // Moving rows, ids and all.
    let error = check(&records, |rows| rows.swap(1, 2)).unwrap_err();
    assert_eq!((error.reason(), error.id()), ("deleted", 3));
    let error = check(&records, |rows| rows.swap(0, 1)).unwrap_err();
    assert_eq!((error.reason(), error.id()), ("deleted", 2));
    // Swapping contents and hashes but keeping the ids in place, as in a table.
    let records = [audit(1, "{}"), audit(2, "{\"b\":2}"), audit(3, "{\"c\":3}")];
    let error = check(&records, |rows| {
        let (second, third) = (rows[1], rows[2]);
        rows[1] = (audit(2, "{\"c\":3}"), third.1);
        rows[2] = (audit(3, "{\"b\":2}"), second.1);
    })
    .unwrap_err();
    assert_eq!((error.reason(), error.id()), ("modified", 2));
    // A repeated id is out of order.
    let error = check(&records, |rows| rows[2].0 = audit(2, "{}")).unwrap_err();
    assert_eq!((error.reason(), error.id()), ("reordered", 2));
}

#[test]
fn a_missing_hash_or_head_is_reported() {
    let mut verifier = Verifier::default();
    let error = verifier.check(&audit(1, "{}"), None).unwrap_err();
    assert_eq!((error.reason(), error.id()), ("missing_hash", 1));
    let mut verifier = Verifier::default();
    let hash = chain_hash(&GENESIS, &audit(1, "{}"));
    verifier.check(&audit(1, "{}"), Some(&hash)).unwrap();
    let head = Head { n_records: 1, last_id: 1, last_hash: GENESIS };
    let error = verifier.finish(Some(&head)).unwrap_err();
    assert_eq!((error.reason(), error.id()), ("head_mismatch", 1));
}

/// The fields of a raw packet record, owned, for proptest.
type RawFields = (
    i64,
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
    String,
    Vec<u8>,
);

fn raw(fields: &RawFields) -> Record<'_> {
    let (id, received_ms, peer, mn, device_id, cn, verdict, reason, deviations, bytes) = fields;
    Record::RawPacket {
        id: *id,
        received_ms: *received_ms,
        peer,
        mn: mn.as_deref(),
        device_id: *device_id,
        cn: *cn,
        verdict,
        reason: reason.as_deref(),
        deviations,
        bytes,
    }
}

fn raw_fields() -> impl Strategy<Value = RawFields> {
    (
        any::<i64>(),
        any::<i64>(),
        ".{0,4}",
        proptest::option::of(".{0,4}"),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<i64>()),
        ".{0,4}",
        proptest::option::of(".{0,4}"),
        ".{0,4}",
        proptest::collection::vec(any::<u8>(), 0..6),
    )
}

proptest! {
    #[test]
    fn different_raw_records_hash_differently(a in raw_fields(), b in raw_fields()) {
        prop_assume!(a != b);
        prop_assert_ne!(chain_hash(&GENESIS, &raw(&a)), chain_hash(&GENESIS, &raw(&b)));
    }

    #[test]
    fn any_single_field_change_changes_the_hash(a in raw_fields(), b in raw_fields(), field in 0usize..10) {
        let mut changed = a.clone();
        match field {
            0 => changed.0 = b.0,
            1 => changed.1 = b.1,
            2 => changed.2 = b.2.clone(),
            3 => changed.3 = b.3.clone(),
            4 => changed.4 = b.4,
            5 => changed.5 = b.5,
            6 => changed.6 = b.6.clone(),
            7 => changed.7 = b.7.clone(),
            8 => changed.8 = b.8.clone(),
            _ => changed.9 = b.9.clone(),
        }
        prop_assume!(changed != a);
        prop_assert_ne!(chain_hash(&GENESIS, &raw(&a)), chain_hash(&GENESIS, &raw(&changed)));
    }

    #[test]
    fn adjacent_text_fields_cannot_trade_bytes(actor in ".{0,6}", action in ".{0,6}", split in 0usize..6) {
        let joined = format!("{actor}{action}");
        let split = (0..=split.min(joined.len())).rev().find(|&at| joined.is_char_boundary(at)).unwrap_or(0);
        let (left, right) = joined.split_at(split);
        prop_assume!(left != actor);
        let a = Record::Audit { id: 1, at_ms: 0, actor: &actor, action: &action, subject: "", detail: "" };
        let b = Record::Audit { id: 1, at_ms: 0, actor: left, action: right, subject: "", detail: "" };
        prop_assert_ne!(chain_hash(&GENESIS, &a), chain_hash(&GENESIS, &b));
    }
}
