//! Export: the records of one kind in the import layout ([`crate::layout`]),
//! as CSV or XLSX, so an export imports back unchanged.

use store::{RegistryKind, Store};

use crate::import::Format;
use crate::layout::{columns, write_row};
use crate::{Error, Result};

/// The header and one row per record of `kind` (active and retired), ordered by key.
pub fn rows(store: &dyn Store, kind: RegistryKind) -> Result<Vec<Vec<String>>> {
    let mut rows = vec![columns(kind).iter().map(|column| column.name.to_owned()).collect()];
    for record in store.registry_records(kind)? {
        rows.push(write_row(&record.entity, record.status));
    }
    Ok(rows)
}

/// The records of `kind` as a file in `format`.
pub fn export(store: &dyn Store, kind: RegistryKind, format: Format) -> Result<Vec<u8>> {
    let rows = rows(store, kind)?;
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for row in &rows {
                writer.write_record(row).map_err(|error| Error::Export(error.to_string()))?;
            }
            writer.into_inner().map_err(|error| Error::Export(error.to_string()))
        }
        Format::Xlsx => {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name(kind.as_str()).map_err(|error| Error::Export(error.to_string()))?;
            for (row_index, row) in rows.iter().enumerate() {
                for (column_index, cell) in row.iter().enumerate() {
                    // Every cell as text, so codes like 511112100 keep their digits.
                    sheet
                        .write_string(row_index as u32, column_index as u16, cell)
                        .map_err(|error| Error::Export(error.to_string()))?;
                }
            }
            workbook.save_to_buffer().map_err(|error| Error::Export(error.to_string()))
        }
    }
}
