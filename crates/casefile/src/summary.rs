//! `summary.md`: the case for people, Chinese first, then English.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use model::ReadingKey;
use store::{Alarm, ChainCheck, CorrectionMarker};

use crate::{CaseReport, CaseRequest, Generated};

/// Counts gathered while writing the data files.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) n_raw_packets: u64,
    pub(crate) n_refused: u64,
    pub(crate) n_readings: u64,
    pub(crate) n_corrected: u64,
    pub(crate) n_alarms: u64,
    pub(crate) per_kind: BTreeMap<&'static str, u64>,
}

/// A corrected reading for the summary's list.
pub(crate) struct CorrectionLine {
    pub(crate) key: ReadingKey,
    pub(crate) marker: CorrectionMarker,
}

/// An alarm for the summary's list.
pub(crate) struct AlarmLine {
    rule: String,
    rule_zh: &'static str,
    pollutant: String,
    state: &'static str,
    state_zh: &'static str,
    first: String,
    last: String,
    n_occurrences: u32,
    closed_note: Option<String>,
}

impl AlarmLine {
    pub(crate) fn of(alarm: &Alarm) -> AlarmLine {
        AlarmLine {
            rule: alarm.key.rule.as_str().to_owned(),
            rule_zh: alarm.key.rule.name_zh(),
            pollutant: alarm.key.pollutant.clone(),
            state: alarm.state.as_str(),
            state_zh: alarm.state.name_zh(),
            first: alarm.first_at.to_beijing().to_string(),
            last: alarm.last_at.to_beijing().to_string(),
            n_occurrences: alarm.n_occurrences,
            closed_note: alarm.close_note.clone(),
        }
    }
}

/// Everything the summary shows.
pub(crate) struct Summary<'a> {
    pub(crate) report: &'a CaseReport,
    pub(crate) request: &'a CaseRequest,
    pub(crate) generated: &'a Generated,
    pub(crate) checks: &'a [ChainCheck],
    pub(crate) counts: &'a Counts,
    pub(crate) corrections: &'a [CorrectionLine],
    pub(crate) alarms: &'a [AlarmLine],
}

/// Markdown table cells may not hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// The summary's Markdown.
pub(crate) fn render(summary: &Summary<'_>) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_all(&mut out, summary);
    out
}

fn write_all(out: &mut String, s: &Summary<'_>) -> std::fmt::Result {
    let point = &s.report.point;
    writeln!(out, "# 执法案卷 / Enforcement case file\n")?;
    if !s.report.chain_intact {
        writeln!(
            out,
            "> **警告：证据链校验未通过，存档数据可能已被篡改，详见下文及 chain.json。**  \n\
             > **Warning: the evidence chain is BROKEN; archived data may have been tampered with. See below and chain.json.**\n"
        )?;
    }
    writeln!(out, "| 项目 Item | 内容 Value |\n|---|---|")?;
    writeln!(
        out,
        "| 点位 Point | {} {} (id {}) |",
        cell(&point.point.code),
        cell(&point.point.name),
        point.id
    )?;
    writeln!(
        out,
        "| 企业 Enterprise | {} |",
        cell(point.point.enterprise.as_deref().unwrap_or("—"))
    )?;
    writeln!(
        out,
        "| 时段（北京时间）Period (Beijing time) | {} 至 to {} |",
        s.request.from.to_beijing(),
        s.request.to.to_beijing()
    )?;
    writeln!(out, "| 时段（UTC）Period (UTC) | {} – {} |", s.request.from, s.request.to)?;
    writeln!(out, "| 导出时间 Exported at | {} (北京时间 Beijing) |", s.generated.at.to_beijing())?;
    writeln!(out, "| 导出人 Exported by | {} |\n", cell(&s.generated.by))?;

    writeln!(out, "## 证据链校验 / Evidence chain verification\n")?;
    if s.report.chain_intact {
        writeln!(
            out,
            "结论：原始报文库和审计日志的哈希链完好，未发现修改、删除或顺序变动。  \n\
             Conclusion: the hash chains of the raw packet archive and the audit log are intact: no record was modified, deleted or reordered.\n"
        )?;
    } else {
        writeln!(
            out,
            "结论：哈希链已断裂，断点之后的记录不能作为未经改动的证据使用。  \n\
             Conclusion: a hash chain is broken; records from the break on cannot be relied on as unaltered.\n"
        )?;
    }
    for check in s.checks {
        match &check.outcome {
            Ok(head) => writeln!(
                out,
                "- `{}`: 完好 intact，{} 条记录 records，末条 last id {}，链头 head `{}`",
                check.table,
                check.n_intact,
                head.last_id,
                check.head_hex().unwrap_or_default()
            )?,
            Err(error) => writeln!(
                out,
                "- `{}`: **已损坏 BROKEN** 于第 at row {}（{}）：{}；此前 {} 条完好 intact before it",
                check.table,
                error.id(),
                error.reason(),
                error,
                check.n_intact
            )?,
        }
    }

    writeln!(out, "\n## 数据概况 / Data\n")?;
    writeln!(
        out,
        "- 原始报文 Raw packets: {}（其中拒收或无法解析 refused or malformed: {}）",
        s.counts.n_raw_packets, s.counts.n_refused
    )?;
    let per_kind: Vec<String> =
        s.counts.per_kind.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
    writeln!(
        out,
        "- 监测数据 Readings: {}（{}）",
        s.counts.n_readings,
        if per_kind.is_empty() { "—".to_owned() } else { per_kind.join(", ") }
    )?;
    writeln!(out, "- 经更正的数据 Corrected readings: {}", s.counts.n_corrected)?;
    writeln!(out, "- 报警 Alarms: {}", s.counts.n_alarms)?;

    if !s.corrections.is_empty() {
        writeln!(out, "\n## 数据更正 / Corrections\n")?;
        writeln!(
            out,
            "原始数据与原始报文均保持原样；下表为当前版本。全部版本见 corrections.json。  \n\
             Original values and raw packets are kept as received; the current versions are listed below, every version is in corrections.json.\n"
        )?;
        writeln!(
            out,
            "| 数据时间（北京）Data time (Beijing) | 类型 Kind | 因子 Param | 版本 Version | 更正人 By | 更正时间 At (Beijing) | 原因 Reason |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for line in s.corrections {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                line.key.data_time.to_beijing(),
                line.key.kind.as_str(),
                line.key.param.as_str(),
                line.marker.version,
                cell(&line.marker.actor),
                line.marker.at.to_beijing(),
                cell(&line.marker.reason)
            )?;
        }
    }

    if !s.alarms.is_empty() {
        writeln!(out, "\n## 报警 / Alarms\n")?;
        writeln!(
            out,
            "| 规则 Rule | 因子 Pollutant | 状态 State | 首次 First (Beijing) | 最近 Last (Beijing) | 次数 Occurrences | 处置说明 Closing note |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for line in s.alarms {
            writeln!(
                out,
                "| {} {} | {} | {} {} | {} | {} | {} | {} |",
                line.rule_zh,
                line.rule,
                cell(if line.pollutant.is_empty() { "—" } else { &line.pollutant }),
                line.state_zh,
                line.state,
                line.first,
                line.last,
                line.n_occurrences,
                cell(line.closed_note.as_deref().unwrap_or("—"))
            )?;
        }
    }

    writeln!(out, "\n## 文件 / Files\n")?;
    writeln!(out, "| 文件 File | 内容 Content | 条数 Records | SHA-256 |\n|---|---|---|---|")?;
    for file in &s.report.files {
        writeln!(
            out,
            "| {} | {} | {} | `{}` |",
            file.name, file.content, file.n_records, file.sha256
        )?;
    }
    writeln!(
        out,
        "| case.json | 案卷清单 / case manifest | 1 | — |\n\n\
         时间均为北京时间（UTC+8），CSV 和 JSON 中同时给出 UTC。  \n\
         Times are Beijing time (UTC+8); the CSV and JSON files also give UTC."
    )?;
    Ok(())
}
