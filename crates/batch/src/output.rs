//! Writing tables as CSV or JSON.
//!
//! Every output is a table with a fixed header. CSV writes the header line,
//! then one line per row (RFC 4180 quoting, `\n` line ends); JSON writes an
//! array of objects whose keys are the CSV column names, with `null` where
//! the CSV cell is empty.

use std::io::{BufWriter, Write};

use crate::error::{Error, Result};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Comma-separated values with a header line (default).
    #[default]
    Csv,
    /// A JSON array of objects keyed by the CSV column names.
    Json,
}

/// One cell of an output row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// No value: empty in CSV, `null` in JSON.
    Empty,
    /// Text: a JSON string.
    Text(String),
    /// A number already written as exact decimal text: a JSON number.
    Number(String),
    /// A whole number.
    Int(i64),
    /// A boolean: `true`/`false` in both formats.
    Bool(bool),
}

impl Cell {
    /// Text, or empty when the text is empty.
    pub(crate) fn text_or_empty(text: String) -> Cell {
        if text.is_empty() { Cell::Empty } else { Cell::Text(text) }
    }

    /// A number from its `Display`, or empty.
    pub(crate) fn number<T: std::fmt::Display>(value: Option<T>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Number(v.to_string()))
    }

    /// A whole number, or empty.
    pub(crate) fn int<T: Into<i64>>(value: Option<T>) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::Int(v.into()))
    }
}

/// Streams rows of a fixed header to a writer.
pub(crate) struct TableWriter<W: Write> {
    out: BufWriter<W>,
    format: Format,
    header: Vec<String>,
    n_rows: u64,
}

fn write_csv_field<W: Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    if text.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.write_all(b"\"")?;
        out.write_all(text.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(text.as_bytes())
    }
}

impl<W: Write> TableWriter<W> {
    /// Starts a table: writes the CSV header, or the JSON array's `[`.
    pub(crate) fn new(out: W, format: Format, header: Vec<String>) -> Result<TableWriter<W>> {
        let mut out = BufWriter::with_capacity(1 << 16, out);
        match format {
            Format::Csv => {
                for (i, name) in header.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",").map_err(Error::Write)?;
                    }
                    write_csv_field(&mut out, name).map_err(Error::Write)?;
                }
                out.write_all(b"\n").map_err(Error::Write)?;
            }
            Format::Json => out.write_all(b"[").map_err(Error::Write)?,
        }
        Ok(TableWriter { out, format, header, n_rows: 0 })
    }

    /// Writes one row; `cells` has one cell per header column.
    pub(crate) fn row(&mut self, cells: &[Cell]) -> Result<()> {
        self.write_row(cells).map_err(Error::Write)?;
        self.n_rows += 1;
        Ok(())
    }

    fn write_row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        let out = &mut self.out;
        match self.format {
            Format::Csv => {
                for (i, cell) in cells.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    match cell {
                        Cell::Empty => {}
                        Cell::Text(t) => write_csv_field(out, t)?,
                        Cell::Number(t) => out.write_all(t.as_bytes())?,
                        Cell::Int(n) => write!(out, "{n}")?,
                        Cell::Bool(b) => write!(out, "{b}")?,
                    }
                }
                out.write_all(b"\n")
            }
            Format::Json => {
                out.write_all(if self.n_rows == 0 { b"\n{" } else { b",\n{" })?;
                for (i, (name, cell)) in self.header.iter().zip(cells).enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut *out, name).map_err(std::io::Error::other)?;
                    out.write_all(b":")?;
                    match cell {
                        Cell::Empty => out.write_all(b"null")?,
                        Cell::Text(t) => {
                            serde_json::to_writer(&mut *out, t).map_err(std::io::Error::other)?
                        }
                        Cell::Number(t) => out.write_all(t.as_bytes())?,
                        Cell::Int(n) => write!(out, "{n}")?,
                        Cell::Bool(b) => write!(out, "{b}")?,
                    }
                }
                out.write_all(b"}")
            }
        }
    }

    /// Ends the table (the JSON array's `]`), flushes, and returns the
    /// number of rows written.
    pub(crate) fn finish(mut self) -> Result<u64> {
        if self.format == Format::Json {
            self.out.write_all(b"\n]\n").map_err(Error::Write)?;
        }
        self.out.flush().map_err(Error::Write)?;
        Ok(self.n_rows)
    }
}
