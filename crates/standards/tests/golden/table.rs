//! A tiny reader for the golden CSV tables: `#` comment lines, a header,
//! comma-separated fields without quoting.

use std::collections::HashMap;

/// One data row.
pub(crate) struct Row {
    pub(crate) file: String,
    pub(crate) line: usize,
    fields: HashMap<String, String>,
}

impl Row {
    /// The field `name`; panics (in tests only) if the column is absent.
    pub(crate) fn get(&self, name: &str) -> &str {
        match self.fields.get(name) {
            Some(value) => value,
            None => panic!("{}:{}: no column {name:?}", self.file, self.line),
        }
    }

    /// Where the row is, with its clause, for failure messages.
    pub(crate) fn at(&self) -> String {
        format!("{}:{} [{}]", self.file, self.line, self.get("clause"))
    }
}

/// Reads `test_data/{name}`; every row must have a non-empty clause.
pub(crate) fn read(name: &str) -> Vec<Row> {
    let path = format!("{}/test_data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<String> = line.split(',').map(|c| c.trim().to_owned()).collect();
        match &header {
            None => header = Some(cells),
            Some(names) => {
                assert_eq!(
                    cells.len(),
                    names.len(),
                    "{name}:{}: wrong number of fields",
                    index + 1
                );
                let fields: HashMap<String, String> = names.iter().cloned().zip(cells).collect();
                let row = Row { file: name.to_owned(), line: index + 1, fields };
                assert!(!row.get("clause").is_empty(), "{name}:{}: empty clause", index + 1);
                rows.push(row);
            }
        }
    }
    assert!(!rows.is_empty(), "{name}: no rows");
    rows
}

/// Runs `check` on every row and fails once with every mismatch listed.
pub(crate) fn check_all(name: &str, check: impl Fn(&Row) -> Result<(), String>) -> usize {
    let rows = read(name);
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| check(row).err().map(|e| format!("{}: {e}", row.at())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    rows.len()
}

/// `-` means none.
pub(crate) fn opt(field: &str) -> Option<&str> {
    (field != "-").then_some(field)
}

/// Space-separated list; `-` is empty.
pub(crate) fn list(field: &str) -> Vec<&str> {
    opt(field).map(|f| f.split_whitespace().collect()).unwrap_or_default()
}
