//! Charts as SVG, rendered on the server: readable without JavaScript and
//! printable. Each function returns a complete `<svg>` element; text is
//! escaped; colours of categories come from [`crate::format`].
//!
//! - [`time_series`]: a line of values over time, markers on flagged values
//!   (HJ 212 flags other than `N`), a dashed limit line;
//! - [`aqi_calendar`]: one cell per day coloured by its AQI category (HJ 633);
//! - [`category_bars`]: horizontal bars of counts per category (AQI levels,
//!   water classes), each in its category's colour.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use crate::format;
use crate::i18n::Lang;

/// Escapes text for SVG/HTML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// [`escape`], appending to `out` (no string of its own: for large tables).
pub fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(index) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..index]);
        out.push_str(match rest.as_bytes()[index] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[index + 1..];
    }
    out.push_str(rest);
}

/// One value of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    /// Position on the time axis (e.g. Unix milliseconds).
    pub x: i64,
    /// Its label in tooltips and on the axis (e.g. a Beijing time).
    pub label: String,
    /// The value.
    pub value: f64,
    /// The HJ 212 data flag, if any; anything but `N` is marked.
    pub flag: Option<String>,
}

/// A time series chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Title (parameter name and unit).
    pub title: String,
    /// The values, in time order.
    pub points: Vec<SeriesPoint>,
    /// A limit to draw as a dashed line, with its label.
    pub limit: Option<(f64, String)>,
    /// The same parameter over the previous period, its times moved onto this
    /// period's axis (drawn dashed, for comparing periods); empty for none.
    pub previous: Vec<SeriesPoint>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;

/// Renders `series`; an empty series says so instead of drawing axes.
pub fn time_series(series: &Series, lang: Lang) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}"><title>{title}</title><text x="{LEFT}" y="18" class="chart-title">{title}</text>"#,
        title = escape(&series.title),
    );
    if series.points.is_empty() {
        let empty = lang.messages().t("chart.no_data");
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{y}" text-anchor="middle" class="chart-empty">{empty}</text></svg>"#,
            x = WIDTH / 2.0,
            y = HEIGHT / 2.0,
        );
        return svg;
    }
    let values = series.points.iter().chain(&series.previous).map(|point| point.value);
    let limit = series.limit.as_ref().map(|(value, _)| *value);
    let mut low = values.clone().chain(limit).fold(f64::INFINITY, f64::min).min(0.0);
    let mut high = values.chain(limit).fold(f64::NEG_INFINITY, f64::max);
    if high <= low {
        high = low + 1.0;
    }
    let (step, n_steps) = nice_step(low, high);
    low = (low / step).floor() * step;
    high = low + step * n_steps as f64;
    if high < series.points.iter().map(|p| p.value).fold(f64::NEG_INFINITY, f64::max) {
        high += step;
    }
    let first_x = series.points.first().map_or(0, |point| point.x);
    let last_x = series.points.last().map_or(1, |point| point.x).max(first_x + 1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |x: i64| LEFT + (x - first_x) as f64 / (last_x - first_x) as f64 * plot_w;
    let sy = |value: f64| TOP + (high - value) / (high - low) * plot_h;

    // Grid and y labels.
    let mut tick = low;
    while tick <= high + step / 2.0 {
        let y = sy(tick);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" class="grid"/><text x="{lx}" y="{ty:.1}" text-anchor="end" class="tick">{label}</text>"#,
            x2 = WIDTH - RIGHT,
            lx = LEFT - 4.0,
            ty = y + 4.0,
            label = format::number(tick, decimals_for(step)),
        );
        tick += step;
    }
    // X labels: first, middle, last.
    let n_points = series.points.len();
    let mut labelled = vec![0, n_points / 2, n_points - 1];
    labelled.dedup();
    for index in labelled {
        let point = &series.points[index];
        let anchor = if index == 0 {
            "start"
        } else if index == n_points - 1 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            r#"<text x="{x:.1}" y="{y}" text-anchor="{anchor}" class="tick">{label}</text>"#,
            x = sx(point.x),
            y = HEIGHT - 12.0,
            label = escape(&point.label),
        );
    }
    // The lines: the previous period first (underneath), then this one.
    let line = |points: &[SeriesPoint]| {
        let mut path = String::new();
        for (index, point) in points.iter().enumerate() {
            let _ = write!(
                path,
                "{}{:.1},{:.1}",
                if index == 0 { "M" } else { " L" },
                sx(point.x.clamp(first_x, last_x)),
                sy(point.value)
            );
        }
        path
    };
    if !series.previous.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{}" class="line previous"><title>{}</title></path>"#,
            line(&series.previous),
            escape(lang.messages().t("chart.previous_period")),
        );
    }
    let _ = write!(svg, r#"<path d="{}" class="line"/>"#, line(&series.points));
    // The limit.
    if let Some((value, label)) = &series.limit {
        let y = sy(*value);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" class="limit"/><text x="{x2}" y="{ty:.1}" text-anchor="end" class="limit-label">{label}</text>"#,
            x2 = WIDTH - RIGHT,
            ty = y - 4.0,
            label = escape(label),
        );
    }
    // Points: a tooltip each; flagged values (not N) get a marker.
    for point in &series.points {
        let flag = point.flag.as_deref().unwrap_or("N");
        let (x, y) = (sx(point.x), sy(point.value));
        let title = format!("{} {} {}", point.label, format::number(point.value, 3), flag);
        if flag == "N" {
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="2" class="dot"><title>{title}</title></circle>"#,
                title = escape(&title),
            );
        } else {
            let _ = write!(
                svg,
                r#"<path d="M{x:.1},{top:.1} l4,7 h-8 z" class="flag flag-{class}"><title>{title}</title></path>"#,
                top = y - 4.0,
                class = escape(&flag.to_ascii_lowercase()),
                title = escape(&title),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn decimals_for(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else if step >= 0.1 {
        1
    } else if step >= 0.01 {
        2
    } else {
        3
    }
}

/// A round step (1, 2 or 5 × 10ⁿ) giving about 4 to 5 intervals over `low..high`.
fn nice_step(low: f64, high: f64) -> (f64, usize) {
    let raw = (high - low) / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude);
    let n_steps = ((high - low) / step).ceil().max(1.0) as usize;
    (step, n_steps)
}

/// A calendar heat map: one square per day (weeks as columns, Monday on
/// top), coloured by the AQI category; days without a value are grey.
pub fn aqi_calendar(days: &[(NaiveDate, Option<u32>)], lang: Lang) -> String {
    const CELL: i64 = 14;
    let Some(first) = days.first().map(|(date, _)| *date) else {
        return format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 200 30"><text x="4" y="20" class="chart-empty">{}</text></svg>"#,
            lang.messages().t("chart.no_data")
        );
    };
    let offset = i64::from(first.weekday().num_days_from_monday());
    let n_weeks = (offset + days.len() as i64 + 6) / 7;
    let width = 40 + n_weeks * (CELL + 2);
    let height = 7 * (CELL + 2) + 24;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart calendar" viewBox="0 0 {width} {height}" width="{w2}" height="{h2}" role="img" aria-label="{label}"><title>{label}</title>"#,
        w2 = width * 2,
        h2 = height * 2,
        label = escape(lang.messages().t("chart.aqi_calendar")),
    );
    for (index, (date, aqi)) in days.iter().enumerate() {
        let slot = offset + index as i64;
        let (x, y) = (40 + (slot / 7) * (CELL + 2), 20 + (slot % 7) * (CELL + 2));
        let (fill, title) = match aqi {
            Some(aqi) => (
                format::aqi_colours(*aqi).0,
                format!(
                    "{} AQI {} {}",
                    format::date(lang, *date),
                    aqi,
                    format::aqi_category(lang, *aqi)
                ),
            ),
            None => ("#E0E0E0".to_owned(), format!("{} —", format::date(lang, *date))),
        };
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}"><title>{title}</title></rect>"#,
            title = escape(&title),
        );
        if date.day() == 1 || index == 0 {
            let _ = write!(
                svg,
                r#"<text x="{x}" y="14" class="tick">{}</text>"#,
                escape(&format::month(lang, date.year(), date.month())),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of [`category_bars`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The category's label.
    pub label: String,
    /// How many.
    pub count: usize,
    /// Fill colour (the category's standard colour).
    pub colour: String,
}

/// Horizontal bars of counts per category, each labelled with its count.
pub fn category_bars(title: &str, bars: &[Bar]) -> String {
    let row = 22;
    let height = 28 + row * bars.len();
    let max = bars.iter().map(|bar| bar.count).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 420 {height}" role="img" aria-label="{title}"><title>{title}</title><text x="4" y="16" class="chart-title">{title}</text>"#,
        title = escape(title),
    );
    for (index, bar) in bars.iter().enumerate() {
        let y = 24 + index * row;
        let width = (bar.count as f64 / max as f64 * 260.0).round();
        let _ = write!(
            svg,
            r##"<text x="96" y="{ty}" text-anchor="end" class="tick">{label}</text><rect x="104" y="{y}" width="{width}" height="16" fill="{colour}" stroke="#666" stroke-width="0.5"><title>{label}: {count}</title></rect><text x="{cx}" y="{ty}" class="tick">{count}</text>"##,
            ty = y + 12,
            label = escape(&bar.label),
            colour = escape(&bar.colour),
            count = bar.count,
            cx = 108.0 + width,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use expect_test::expect_file;

    use super::*;

    fn point(x: i64, value: f64, flag: &str) -> SeriesPoint {
        SeriesPoint { x, label: format!("08:{x:02}"), value, flag: Some(flag.to_owned()) }
    }

    #[test]
    fn escaping_replaces_the_five_html_characters_and_keeps_the_rest() {
        assert_eq!(escape("a<b>&\"'中文 x"), "a&lt;b&gt;&amp;&quot;&#39;中文 x");
        assert_eq!(escape(""), "");
        let mut out = "前".to_owned();
        escape_into(&mut out, "<<中>>");
        assert_eq!(out, "前&lt;&lt;中&gt;&gt;");
    }

    #[test]
    fn series_with_flags_and_limit() {
        let series = Series {
            title: "SO2 <mg/m³>".to_owned(),
            points: vec![
                point(0, 12.5, "N"),
                point(10, 48.0, "N"),
                point(20, 61.2, "D"),
                point(30, 30.0, "N"),
            ],
            limit: Some((50.0, "限值 50".to_owned())),
            previous: Vec::new(),
        };
        let svg = time_series(&series, Lang::Zh);
        assert!(svg.contains("SO2 &lt;mg/m³&gt;"), "the title is escaped");
        assert!(svg.contains(r#"class="flag flag-d""#), "the D-flagged value is marked");
        assert!(svg.contains(r#"class="limit""#));
        expect_file!["../test_data/chart_series.svg"].assert_eq(&svg);
    }

    #[test]
    fn the_previous_period_is_drawn_dashed_under_the_line() {
        let series = Series {
            title: "NO2".to_owned(),
            points: vec![point(0, 10.0, "N"), point(10, 20.0, "N")],
            limit: None,
            previous: vec![point(0, 40.0, "N"), point(10, 30.0, "N")],
        };
        let svg = time_series(&series, Lang::En);
        let previous = svg.find(r#"class="line previous""#).expect("a previous line");
        assert!(previous < svg.find(r#"class="line"/>"#).unwrap(), "drawn first, underneath");
        assert!(svg.contains("Previous period"));
        assert!(
            svg.contains(">40<") || svg.contains(">50<"),
            "the axis covers the previous values: {svg}"
        );
    }

    #[test]
    fn empty_series_says_so() {
        let series = Series {
            title: "PM2.5".to_owned(),
            points: Vec::new(),
            limit: None,
            previous: Vec::new(),
        };
        let svg = time_series(&series, Lang::En);
        assert!(svg.contains("No data"), "{svg}");
    }

    #[test]
    fn calendar_colours_days_by_category() {
        let start = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
        let days: Vec<(NaiveDate, Option<u32>)> = [Some(35), Some(80), None, Some(130), Some(320)]
            .into_iter()
            .enumerate()
            .map(|(index, aqi)| (start + chrono::Duration::days(index as i64), aqi))
            .collect();
        let svg = aqi_calendar(&days, Lang::Zh);
        for colour in ["#00E400", "#FFFF00", "#E0E0E0", "#FF7E00", "#7E0023"] {
            assert!(svg.contains(colour), "{colour}");
        }
        expect_file!["../test_data/chart_calendar.svg"].assert_eq(&svg);
    }

    #[test]
    fn bars_scale_to_the_largest_count() {
        let bars = vec![
            Bar { label: "Ⅱ类".into(), count: 4, colour: "#1E90FF".into() },
            Bar { label: "Ⅲ类".into(), count: 2, colour: "#00B050".into() },
            Bar { label: "劣Ⅴ类".into(), count: 0, colour: "#FF0000".into() },
        ];
        let svg = category_bars("断面水质类别", &bars);
        assert!(svg.contains(r#"width="260""#) && svg.contains(r#"width="130""#));
        expect_file!["../test_data/chart_bars.svg"].assert_eq(&svg);
    }
}
