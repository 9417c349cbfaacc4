//! Golden AQI tables for both editions.

use standards::aqi::{
    AqiLevel, AqiOptions, AqiReport, Column, DailyConcs, IndicatorSet, RealtimeConcs, daily_aqi,
    hourly_aqi, iaqi_of_conc,
};

use super::golden::{Row, read};

/// The one check for IAQI rows: column, concentration → IAQI (`NA` = none).
fn check_iaqi(row: &Row) {
    let column =
        Column::parse(row.get("column")).unwrap_or_else(|| panic!("{}: bad column", row.clause()));
    let conc = row.conc("conc").expect("a concentration");
    let got = iaqi_of_conc(row.edition(), column, conc, &AqiOptions::default());
    assert_eq!(got, row.opt_u32("iaqi"), "{}: {} {conc}", row.clause(), column.name());
}

#[test]
fn every_breakpoint_cell_gives_its_iaqi() {
    let rows = read("aqi_breakpoints.csv");
    assert_eq!(rows.len(), 150, "10 columns x 8 rows, minus the 5 'see 3' cells, x 2 editions");
    rows.iter().for_each(check_iaqi);
}

#[test]
fn iaqi_cases() {
    read("aqi_iaqi_cases.csv").iter().for_each(check_iaqi);
}

#[test]
fn levels_categories_colours() {
    for row in read("aqi_levels.csv") {
        let level = AqiLevel::from_aqi(row.u32("aqi"));
        let got = (
            level.number(),
            level.name_zh(),
            level.category_zh(),
            level.category_en(),
            level.colour_zh(),
            format!("{};{};{}", level.rgb().0, level.rgb().1, level.rgb().2),
            {
                let (c, m, y, k) = level.cmyk();
                format!("{c};{m};{y};{k}")
            },
        );
        let want = (
            row.u32("level") as u8,
            row.get("level_zh"),
            row.get("category_zh"),
            row.get("category_en"),
            row.get("colour_zh"),
            row.get("rgb").to_string(),
            row.get("cmyk").to_string(),
        );
        assert_eq!(got, want, "{}", row.clause());
    }
}

/// The one check for AQI reports.
fn check_report(row: &Row, report: &AqiReport) {
    let clause = row.clause();
    assert_eq!(report.edition, row.edition(), "{clause}");
    assert_eq!(report.aqi, row.opt_u32("aqi"), "{clause}: aqi");
    if row.has("level") {
        assert_eq!(
            report.level().map(|l| u32::from(l.number())),
            row.opt_u32("level"),
            "{clause}: level"
        );
    }
    assert_eq!(report.primary.to_string(), row.get("primary"), "{clause}: primary");
    assert_eq!(
        Some(report.primary),
        IndicatorSet::parse(row.get("primary")),
        "{clause}: primary parses back"
    );
    if row.has("exceeding") {
        let got = report.exceeding.map_or("-".to_string(), |s| s.to_string());
        assert_eq!(
            got,
            row.get("exceeding"),
            "{clause}: exceeding (- = not defined by the edition)"
        );
    }
    assert_eq!(report.missing.to_string(), row.get("missing"), "{clause}: missing");
    assert_eq!(report.publishable, row.bool("publishable"), "{clause}: publishable");
}

#[test]
fn daily_reports() {
    for row in read("aqi_daily.csv") {
        let day = DailyConcs {
            so2_24h: row.mean("so2"),
            no2_24h: row.mean("no2"),
            pm10_24h: row.mean("pm10"),
            pm25_24h: row.mean("pm25"),
            co_24h: row.mean("co"),
            o3_mda8: row.mean("o3_8h"),
            o3_max_1h: row.mean("o3_1h"),
        };
        check_report(&row, &daily_aqi(row.edition(), &day, &AqiOptions::default()));
    }
}

#[test]
fn hourly_reports() {
    for row in read("aqi_hourly.csv") {
        let hour = RealtimeConcs {
            so2_1h: row.mean("so2_1h"),
            no2_1h: row.mean("no2_1h"),
            co_1h: row.mean("co_1h"),
            o3_1h: row.mean("o3_1h"),
            pm10_1h: row.mean("pm10_1h"),
            pm25_1h: row.mean("pm25_1h"),
            o3_8h_moving: row.mean("o3_8h"),
            pm10_24h_moving: row.mean("pm10_24h"),
            pm25_24h_moving: row.mean("pm25_24h"),
            so2_24h_moving: row.mean("so2_24h"),
        };
        check_report(&row, &hourly_aqi(row.edition(), &hour, &AqiOptions::default()));
    }
}
