//! Reading golden CSV tables.

use std::collections::HashMap;
use std::path::PathBuf;

use standards::decimal::{Conc, MeanConc};
use standards::edition::AirEdition;

/// One row of a golden table: fields by header name, plus where it came from.
pub(crate) struct Row {
    pub(crate) line: usize,
    pub(crate) fields: HashMap<String, String>,
}

impl Row {
    pub(crate) fn get(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("line {}: no column {name}", self.line))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    pub(crate) fn clause(&self) -> String {
        format!("line {} [{}]", self.line, self.get("clause"))
    }

    pub(crate) fn edition(&self) -> AirEdition {
        AirEdition::parse(self.get("edition"))
            .unwrap_or_else(|| panic!("{}: bad edition", self.clause()))
    }

    /// `NA` or empty → None.
    pub(crate) fn conc(&self, name: &str) -> Option<Conc> {
        match self.get(name) {
            "NA" | "" => None,
            text => {
                Some(Conc::parse(text).unwrap_or_else(|e| panic!("{}: {name}: {e}", self.clause())))
            }
        }
    }

    pub(crate) fn mean(&self, name: &str) -> Option<MeanConc> {
        self.conc(name).map(MeanConc::from)
    }

    pub(crate) fn opt_u32(&self, name: &str) -> Option<u32> {
        match self.get(name) {
            "NA" | "" => None,
            text => Some(text.parse().unwrap_or_else(|e| panic!("{}: {name}: {e}", self.clause()))),
        }
    }

    pub(crate) fn u32(&self, name: &str) -> u32 {
        self.opt_u32(name).unwrap_or_else(|| panic!("{}: {name} missing", self.clause()))
    }

    pub(crate) fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            "true" => true,
            "false" => false,
            other => panic!("{}: {name}: not a bool: {other}", self.clause()),
        }
    }
}

/// Reads `test_data/<name>`; every row must have a `clause`.
pub(crate) fn read(name: &str) -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let (_, header) = lines.next().expect("a header line");
    let names: Vec<&str> = header.split(',').collect();
    assert!(names.contains(&"clause"), "{name}: every golden table has a clause column");
    let rows: Vec<Row> = lines
        .map(|(n, line)| {
            let values: Vec<&str> = line.split(',').collect();
            assert_eq!(values.len(), names.len(), "{name} line {}: {line}", n + 1);
            Row {
                line: n + 1,
                fields: names
                    .iter()
                    .zip(values)
                    .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                    .collect(),
            }
        })
        .collect();
    assert!(!rows.is_empty(), "{name} has no rows");
    for row in &rows {
        assert!(!row.get("clause").is_empty(), "{name} line {}: empty clause", row.line);
    }
    rows
}
