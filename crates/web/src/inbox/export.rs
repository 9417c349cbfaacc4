//! The inbox's export (`?format=csv|xlsx`): every alarm the inbox's filters
//! match, not one page, with the table's columns. Streamed: the store is read
//! [`BATCH`] alarms at a time through the same keyset cursor as the pages
//! (so an alarm opened during the export is neither repeated nor the cause of
//! a skipped row), and rows go out in chunks while the next batch is read.

use store::{Alarm, AlarmCursor, AlarmPageFrom, AlarmQuery, PointRecord, Store};

use super::{Keep, alarm_headers, alarm_row};
use crate::export::{ExportError, Format, StreamedWorkbook, column_index, stream_csv, streamed};
use crate::pages::{Ctx, PageResult, points_by_id};
use model::alarm::AlarmState;

/// Alarms per store query while exporting.
const BATCH: usize = 1_000;

/// The export response of the inbox whose filters are `filter` and `states`.
pub(super) fn alarms(
    ctx: &Ctx,
    format: &str,
    filter: AlarmQuery,
    states: Vec<AlarmState>,
    points: Vec<PointRecord>,
    keep: Keep,
) -> PageResult {
    let Some(format) = Format::parse(format) else {
        return Err(ctx.bad_request(format!("format={format:?}: expected csv or xlsx")));
    };
    let lang = ctx.lang;
    let headers = alarm_headers(lang);
    let store = ctx.state.store.clone();
    let filter = AlarmQuery { limit: BATCH, ..filter };
    Ok(streamed(format, "alarms-alarms", move |sender| {
        let by_id = points_by_id(&points);
        let each = |each: &mut dyn FnMut(&Alarm) -> Result<(), ExportError>| {
            for_each_alarm(store.as_ref(), &filter, &states, &keep, each)
        };
        match format {
            Format::Csv => stream_csv(&headers, sender, |writer| {
                each(&mut |alarm| {
                    let row = alarm_row(lang, &by_id, alarm);
                    writer.write_record(row.iter().map(|cell| cell.text.as_str()))?;
                    Ok(())
                })
            }),
            Format::Xlsx => {
                let mut workbook = StreamedWorkbook::new(&headers)?;
                each(&mut |alarm| {
                    let (sheet, line) = workbook.next_row()?;
                    for (column, cell) in alarm_row(lang, &by_id, alarm).iter().enumerate() {
                        let column = column_index(column)?;
                        match cell.num.then(|| cell.text.parse::<f64>().ok()).flatten() {
                            Some(value) => sheet.write_number(line, column, value)?,
                            None => sheet.write_string(line, column, &cell.text)?,
                        };
                    }
                    Ok(())
                })?;
                workbook.send(sender)
            }
        }
    }))
}

/// Calls `each` with every alarm of the filters, newest opened first,
/// reading the store [`BATCH`] alarms at a time.
fn for_each_alarm(
    store: &dyn Store,
    filter: &AlarmQuery,
    states: &[AlarmState],
    keep: &Keep,
    each: &mut dyn FnMut(&Alarm) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let mut from = AlarmPageFrom::First;
    loop {
        let batch = store.alarm_page_in(filter, states, from)?;
        for alarm in batch.iter().filter(|alarm| keep.keeps(alarm)) {
            each(alarm)?;
        }
        match batch.last() {
            Some(last) if batch.len() >= BATCH => {
                from = AlarmPageFrom::After(AlarmCursor::of(last))
            }
            _ => return Ok(()),
        }
    }
}
