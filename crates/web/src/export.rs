//! Tables as the pages show them, and their CSV and XLSX exports.
//!
//! Every table on a page is a [`Table`]; the page serves it as CSV or XLSX
//! when asked with `?format=csv|xlsx&table=<id>`. A point's readings export
//! ([`readings_export`]) streams: CSV rows are produced page by page from the
//! store (10,000 readings a query) into a bounded channel, so a year of
//! minute data never sits in memory; XLSX is written in constant-memory mode
//! (rows go to a temporary file) and the finished file is streamed.

use std::io::Read;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use model::{DataKind, Instant, PointId, Reading};
use store::{ReadingQuery, Store};

use crate::chart::{escape, escape_into};
use crate::i18n::Lang;

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Cell {
    pub(crate) text: String,
    /// Background and text colour (a category badge).
    pub(crate) colours: Option<(String, String)>,
    /// A number (right-aligned).
    pub(crate) num: bool,
    /// A link.
    pub(crate) href: Option<String>,
}

impl Cell {
    pub(crate) fn text(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), ..Cell::default() }
    }

    pub(crate) fn num(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), num: true, ..Cell::default() }
    }

    pub(crate) fn badge(text: impl Into<String>, background: &str, foreground: &str) -> Cell {
        Cell {
            text: text.into(),
            colours: Some((background.to_owned(), foreground.to_owned())),
            ..Cell::default()
        }
    }

    pub(crate) fn link(text: impl Into<String>, href: String) -> Cell {
        Cell { text: text.into(), href: Some(href), ..Cell::default() }
    }
}

/// A table: an id (for `?table=`), headers and rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) id: &'static str,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as HTML, with its export links (`base_query` is the page's
    /// query string without `format` and `table`) and a filter box that the
    /// script shows.
    pub(crate) fn html(&self, lang: Lang, base_query: &str) -> String {
        let t = lang.messages();
        let sep = if base_query.is_empty() { "" } else { "&" };
        let mut html = format!(
            r#"<p class="exports"><a href="?{q}{sep}format=csv&amp;table={id}" class="export-csv">{csv}</a><a href="?{q}{sep}format=xlsx&amp;table={id}" class="export-xlsx" id="export-xlsx-{id}">{xlsx}</a><input type="search" data-filter="table-{id}" placeholder="{filter}" hidden></p>"#,
            q = escape(base_query),
            id = self.id,
            csv = t.t("export.csv"),
            xlsx = t.t("export.xlsx"),
            filter = t.t("export.filter"),
        );
        html.push_str(&format!(
            r#"<div class="table-wrap"><table id="table-{}"><thead><tr>"#,
            self.id
        ));
        for header in &self.headers {
            html.push_str(&format!("<th>{}</th>", escape(header)));
        }
        html.push_str("</tr></thead><tbody>");
        if self.rows.is_empty() {
            html.push_str(&format!(
                r#"<tr><td colspan="{}" class="muted">{}</td></tr>"#,
                self.headers.len().max(1),
                t.t("table.empty")
            ));
        }
        // Written in place: a page may hold hundreds of rows (the alarm inbox).
        html.reserve(self.rows.len() * (self.headers.len() * 40 + 10));
        for row in &self.rows {
            html.push_str("<tr>");
            for cell in row {
                html.push_str(if cell.num { r#"<td class="num">"# } else { "<td>" });
                if let Some(href) = &cell.href {
                    html.push_str(r#"<a href=""#);
                    escape_into(&mut html, href);
                    html.push_str(r#"">"#);
                }
                if let Some((background, foreground)) = &cell.colours {
                    html.push_str(r#"<span class="badge" style="background:"#);
                    escape_into(&mut html, background);
                    html.push_str(";color:");
                    escape_into(&mut html, foreground);
                    html.push_str(r#"">"#);
                }
                escape_into(&mut html, &cell.text);
                if cell.colours.is_some() {
                    html.push_str("</span>");
                }
                if cell.href.is_some() {
                    html.push_str("</a>");
                }
                html.push_str("</td>");
            }
            html.push_str("</tr>");
        }
        html.push_str("</tbody></table></div>");
        html
    }

    fn plain_rows(&self) -> impl Iterator<Item = Vec<&str>> {
        self.rows.iter().map(|row| row.iter().map(|cell| cell.text.as_str()).collect())
    }

    /// CSV with a UTF-8 byte-order mark (so spreadsheet programs read the Chinese text).
    pub(crate) fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let mut writer = csv::Writer::from_writer(UTF8_BOM.to_vec());
        writer.write_record(&self.headers)?;
        for row in self.plain_rows() {
            writer.write_record(row)?;
        }
        writer.into_inner().map_err(|error| ExportError::Io(error.into_error()))
    }

    /// XLSX (small tables: built in memory).
    pub(crate) fn xlsx(&self) -> Result<Vec<u8>, ExportError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (column, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column_index(column)?, header, &bold)?;
        }
        for (index, row) in self.rows.iter().enumerate() {
            let line = u32::try_from(index + 1).map_err(|_| ExportError::TooLarge)?;
            for (column, cell) in row.iter().enumerate() {
                let column = column_index(column)?;
                match cell.num.then(|| cell.text.replace(',', "").parse::<f64>().ok()).flatten() {
                    Some(value) => sheet.write_number(line, column, value)?,
                    None => sheet.write_string(line, column, &cell.text)?,
                };
            }
        }
        Ok(workbook.save_to_buffer()?)
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn column_index(column: usize) -> Result<u16, ExportError> {
    u16::try_from(column).map_err(|_| ExportError::TooLarge)
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("store: {0}")]
    Store(#[from] store::Error),
    #[error("too many rows or columns for a worksheet")]
    TooLarge,
}

/// CSV or XLSX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub(crate) fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

fn attachment(format: Format, name: &str) -> [(header::HeaderName, String); 2] {
    [
        (header::CONTENT_TYPE, format.content_type().to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.{}\"", format.extension()),
        ),
    ]
}

fn failed(error: &ExportError) -> Response {
    tracing::error!(%error, "export failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "export failed\n").into_response()
}

/// A small table as a download.
pub(crate) fn table_response(table: &Table, format: Format, name: &str) -> Response {
    let bytes = match format {
        Format::Csv => table.csv(),
        Format::Xlsx => table.xlsx(),
    };
    match bytes {
        Ok(bytes) => (attachment(format, name), bytes).into_response(),
        Err(error) => failed(&error),
    }
}

/// What a readings export covers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReadingsExport {
    pub(crate) point: PointId,
    pub(crate) kind: DataKind,
    pub(crate) from: Instant,
    pub(crate) to: Instant,
}

/// Readings per store query while exporting.
const PAGE_READINGS: usize = 10_000;

const READING_HEADERS: [&str; 13] = [
    "point",
    "param",
    "data_time_beijing",
    "data_time_utc",
    "Rtd",
    "Min",
    "Avg",
    "Max",
    "ZsRtd",
    "ZsAvg",
    "Cou",
    "Flag",
    "EFlag",
];

fn reading_fields(reading: &Reading) -> [String; 13] {
    let number = |value: Option<f64>| value.map(|value| value.to_string()).unwrap_or_default();
    let values = &reading.values;
    [
        reading.key.point.0.to_string(),
        reading.key.param.to_string(),
        reading.key.data_time.to_beijing().0.format("%Y-%m-%d %H:%M:%S").to_string(),
        reading.key.data_time.to_rfc3339(),
        number(values.rtd),
        number(values.min),
        number(values.avg),
        number(values.max),
        number(values.zs_rtd),
        number(values.zs_avg),
        number(values.cou),
        values.flag.clone().unwrap_or_default(),
        values.eflag.clone().unwrap_or_default(),
    ]
}

/// Calls `each` with every reading of the export, in time order, reading the
/// store one page at a time. Stops early (without error) when `each` returns false.
pub(crate) fn for_each_reading(
    store: &dyn Store,
    export: &ReadingsExport,
    mut each: impl FnMut(&Reading) -> Result<bool, ExportError>,
) -> Result<u64, ExportError> {
    let mut from = export.from;
    let mut n_readings = 0u64;
    loop {
        let page = store.readings(&ReadingQuery {
            point: export.point,
            kind: export.kind,
            params: Vec::new(),
            from,
            to: export.to,
            limit: PAGE_READINGS,
        })?;
        let full = page.len() == PAGE_READINGS;
        // A full page may end inside one data time: keep its last time for the
        // next page, unless the whole page is that one time.
        let last_time = page.last().map(|reading| reading.key.data_time);
        let cut = match (full, last_time) {
            (true, Some(last)) if page.first().map(|r| r.key.data_time) != Some(last) => {
                page.iter().position(|reading| reading.key.data_time == last).unwrap_or(page.len())
            }
            _ => page.len(),
        };
        for reading in &page[..cut] {
            n_readings += 1;
            if !each(reading)? {
                return Ok(n_readings);
            }
        }
        match (full, last_time) {
            (true, Some(last)) if cut < page.len() => from = last,
            (true, Some(last)) => from = Instant(last.0 + chrono::Duration::milliseconds(1)),
            _ => return Ok(n_readings),
        }
    }
}

/// Chunks of about this many bytes go through the channel.
const CHUNK_BYTES: usize = 64 * 1024;

/// Streams the readings of `export` as CSV or XLSX.
pub(crate) fn readings_export(
    store: std::sync::Arc<dyn Store>,
    export: ReadingsExport,
    format: Format,
    name: &str,
) -> Response {
    streamed(format, name, move |sender| match format {
        Format::Csv => stream_csv(&READING_HEADERS, sender, |writer| {
            for_each_reading(store.as_ref(), &export, |reading| {
                writer.write_record(reading_fields(reading))?;
                Ok(true)
            })
            .map(|_| ())
        }),
        Format::Xlsx => {
            let mut workbook = StreamedWorkbook::new(&READING_HEADERS)?;
            for_each_reading(store.as_ref(), &export, |reading| {
                let (sheet, line) = workbook.next_row()?;
                for (column, field) in reading_fields(reading).iter().enumerate() {
                    let numeric = (4..=10).contains(&column);
                    let column = column_index(column)?;
                    match (numeric, field.parse::<f64>()) {
                        (true, Ok(value)) => sheet.write_number(line, column, value)?,
                        _ => sheet.write_string(line, column, field)?,
                    };
                }
                Ok(true)
            })?;
            workbook.send(sender)
        }
    })
}

/// A download whose bytes `produce` sends, on a blocking thread, through a
/// bounded channel: a slow client slows the producer instead of filling memory.
pub(crate) fn streamed(
    format: Format,
    name: &str,
    produce: impl FnOnce(&Sender) -> Result<(), ExportError> + Send + 'static,
) -> Response {
    // A few chunks in flight at most.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || {
        if let Err(error) = produce(&sender) {
            tracing::error!(%error, "streamed export failed");
            let _ = sender.blocking_send(Err(std::io::Error::other(error.to_string())));
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (attachment(format, name), Body::from_stream(stream)).into_response()
}

pub(crate) type Sender = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

/// Collects CSV bytes and sends them in chunks of about [`CHUNK_BYTES`]; a
/// closed channel (the client went away) is a broken pipe, which stops the export.
pub(crate) struct ChunkWriter<'a> {
    buffer: Vec<u8>,
    sender: &'a Sender,
}

impl<'a> ChunkWriter<'a> {
    /// A writer sending its bytes through `sender` (the case export uses it too).
    pub(crate) fn new(sender: &'a Sender) -> ChunkWriter<'a> {
        ChunkWriter { buffer: Vec::new(), sender }
    }

    fn send(&mut self) -> std::io::Result<()> {
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChunkWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() { Ok(()) } else { self.send() }
    }
}

/// CSV (with the byte-order mark and `headers`) of the rows `write` writes,
/// sent in chunks; a client that went away ends it without error.
pub(crate) fn stream_csv<H: AsRef<[u8]>>(
    headers: &[H],
    sender: &Sender,
    write: impl FnOnce(&mut csv::Writer<ChunkWriter<'_>>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let mut writer = csv::Writer::from_writer(ChunkWriter { buffer: UTF8_BOM.to_vec(), sender });
    let result = writer
        .write_record(headers)
        .map_err(ExportError::from)
        .and_then(|()| write(&mut writer))
        .and_then(|()| writer.flush().map_err(ExportError::from));
    match result {
        Err(ExportError::Csv(error)) if is_broken_pipe(&error) => Ok(()),
        Err(ExportError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(error: &csv::Error) -> bool {
    matches!(error.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// An XLSX workbook written in constant memory (rows go to a temporary
/// file), a new worksheet with the headers whenever one is full; then sent.
pub(crate) struct StreamedWorkbook {
    workbook: rust_xlsxwriter::Workbook,
    headers: Vec<String>,
    dir: tempfile::TempDir,
    sheet_index: usize,
    line: u32,
}

impl StreamedWorkbook {
    /// A workbook with one worksheet holding `headers`.
    pub(crate) fn new<H: AsRef<str>>(headers: &[H]) -> Result<StreamedWorkbook, ExportError> {
        let mut workbook = StreamedWorkbook {
            workbook: rust_xlsxwriter::Workbook::new(),
            headers: headers.iter().map(|header| header.as_ref().to_owned()).collect(),
            dir: tempfile::tempdir()?,
            sheet_index: 0,
            line: 0,
        };
        workbook.new_sheet()?;
        Ok(workbook)
    }

    fn new_sheet(&mut self) -> Result<(), ExportError> {
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        for (column, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column_index(column)?, header, &bold)?;
        }
        Ok(())
    }

    /// The worksheet and line of the next row.
    pub(crate) fn next_row(
        &mut self,
    ) -> Result<(&mut rust_xlsxwriter::Worksheet, u32), ExportError> {
        self.line += 1;
        if self.line >= MAX_SHEET_ROWS {
            // A worksheet holds 1,048,576 rows: go on in the next one.
            self.new_sheet()?;
            self.sheet_index += 1;
            self.line = 1;
        }
        Ok((self.workbook.worksheet_from_index(self.sheet_index)?, self.line))
    }

    /// Finishes the file and sends it in chunks (until the client goes away).
    pub(crate) fn send(mut self, sender: &Sender) -> Result<(), ExportError> {
        let path = self.dir.path().join("export.xlsx");
        self.workbook.save(&path)?;
        let mut file = std::fs::File::open(&path)?;
        let mut buffer = vec![0u8; CHUNK_BYTES];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            if sender.blocking_send(Ok(Bytes::copy_from_slice(&buffer[..n]))).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Rows of one worksheet.
const MAX_SHEET_ROWS: u32 = 1_048_576;
