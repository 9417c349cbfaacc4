//! The assessment report of a year: HTML (self-contained, Chinese first with
//! English) and XLSX, listing every indicator with its value, target, status
//! and evidence.

use askama::Template;
use rust_xlsxwriter::{Format, Workbook};

use crate::assess::{Assessment, IndicatorYear};
use crate::status::Movement;
use crate::{Error, Result};

/// A report row, every cell as text.
struct Row {
    id: String,
    category_zh: String,
    category_en: String,
    name_zh: String,
    name_en: String,
    unit: String,
    baseline: String,
    target_zh: String,
    target_en: String,
    attribute_zh: String,
    attribute_en: String,
    department_zh: String,
    department_en: String,
    value: String,
    status_class: &'static str,
    status_zh: String,
    status_en: String,
    reason_zh: String,
    change: String,
    evidence_zh: String,
    evidence_en: String,
}

/// A status count of the summary line.
struct SummaryCell {
    class: &'static str,
    zh: &'static str,
    en: &'static str,
    count: usize,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    title_zh: String,
    title_en: String,
    plan_zh: String,
    plan_en: String,
    issued_by: String,
    year: i32,
    summary: Vec<SummaryCell>,
    rows: Vec<Row>,
}

fn change_text(indicator: &IndicatorYear) -> String {
    match indicator.since_baseline {
        None => "—".to_owned(),
        Some(change) => {
            let word = match change.movement {
                Movement::Improved => "改善",
                Movement::Worsened => "变差",
                Movement::Unchanged => "持平",
            };
            let unit = if indicator.unit == "类" { "类别" } else { indicator.unit.as_str() };
            format!("{:+} {unit}（{word}）", change.delta)
        }
    }
}

fn value_text(indicator: &IndicatorYear) -> String {
    match (&indicator.value, &indicator.provisional) {
        (None, Some(provisional)) => format!("（{}，数据不足）", provisional.display(0)),
        _ => indicator.value_text.clone(),
    }
}

fn row(indicator: &IndicatorYear) -> Row {
    Row {
        id: indicator.id.clone(),
        category_zh: indicator.category.zh.clone(),
        category_en: indicator.category.en.clone(),
        name_zh: indicator.name.zh.clone(),
        name_en: indicator.name.en.clone(),
        unit: indicator.unit.clone(),
        baseline: indicator.baseline_text.clone(),
        target_zh: indicator.target.zh.clone(),
        target_en: indicator.target.en.clone(),
        attribute_zh: indicator.attribute_text.zh.clone(),
        attribute_en: indicator.attribute_text.en.clone(),
        department_zh: indicator.department.zh.clone(),
        department_en: indicator.department.en.clone(),
        value: value_text(indicator),
        status_class: indicator.status.as_str(),
        status_zh: indicator.status_text.zh.clone(),
        status_en: indicator.status_text.en.clone(),
        reason_zh: indicator.reason_text.zh.clone(),
        change: change_text(indicator),
        evidence_zh: indicator.evidence_text.zh.clone(),
        evidence_en: indicator.evidence_text.en.clone(),
    }
}

fn titles(assessment: &Assessment) -> (String, String) {
    (
        format!("{} {}年{}", assessment.plan_name.zh, assessment.year, assessment.kind_text.zh),
        format!("{} — {} {}", assessment.plan_name.en, assessment.kind_text.en, assessment.year),
    )
}

/// The report as one self-contained HTML page.
pub fn html(assessment: &Assessment) -> Result<String> {
    let (title_zh, title_en) = titles(assessment);
    let page = ReportPage {
        title_zh,
        title_en,
        plan_zh: assessment.plan_name.zh.clone(),
        plan_en: assessment.plan_name.en.clone(),
        issued_by: assessment.issued_by.clone(),
        year: assessment.year,
        summary: assessment
            .n_by_status
            .iter()
            .map(|(status, count)| SummaryCell {
                class: status.as_str(),
                zh: status.zh(),
                en: status.en(),
                count: *count,
            })
            .collect(),
        rows: assessment.indicators.iter().map(row).collect(),
    };
    page.render().map_err(|error| Error::Report(error.to_string()))
}

/// The XLSX column headers, Chinese with English.
pub const XLSX_HEADERS: [&str; 14] = [
    "序号 No.",
    "类别 Category",
    "指标 Indicator",
    "Indicator (en)",
    "单位 Unit",
    "基期值 Baseline",
    "目标值 Target",
    "属性 Attribute",
    "责任部门 Department",
    "当年值 Value",
    "状态 Status",
    "Status (en)",
    "较基期 Since baseline",
    "数据来源与证明 Evidence",
];

/// The report as an XLSX workbook (one sheet, `评估`), as bytes.
pub fn xlsx(assessment: &Assessment) -> Result<Vec<u8>> {
    let failed = |error: rust_xlsxwriter::XlsxError| Error::Report(error.to_string());
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("评估").map_err(failed)?;
    let bold = Format::new().set_bold();
    let (title_zh, title_en) = titles(assessment);
    sheet.write_string_with_format(0, 0, &title_zh, &bold).map_err(failed)?;
    sheet.write_string(1, 0, &title_en).map_err(failed)?;
    const FIRST: u32 = 3;
    for (column, header) in XLSX_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(FIRST, column as u16, *header, &bold).map_err(failed)?;
    }
    for (index, indicator) in assessment.indicators.iter().enumerate() {
        let r = row(indicator);
        let line = FIRST + 1 + index as u32;
        let cells = [
            r.id,
            r.category_zh,
            r.name_zh,
            r.name_en,
            r.unit,
            r.baseline,
            r.target_zh,
            r.attribute_zh,
            r.department_zh,
            String::new(),
            r.status_zh,
            r.status_en,
            r.change,
            format!("{} / {}", r.evidence_zh, r.evidence_en),
        ];
        for (column, text) in cells.iter().enumerate() {
            sheet.write_string(line, column as u16, text).map_err(failed)?;
        }
        // The value as a number when it is one, so it can be computed with.
        match indicator.value.and_then(|value| value.number()) {
            Some(number) => sheet.write_number(line, 9, number).map_err(failed)?,
            None => sheet.write_string(line, 9, &r.value).map_err(failed)?,
        };
    }
    sheet.set_column_width(2, 40).map_err(failed)?;
    sheet.set_column_width(13, 60).map_err(failed)?;
    workbook.save_to_buffer().map_err(failed)
}
