#![allow(clippy::unwrap_used)]

use model::registry::RecordStatus;
use store::{RegistryKind, RegistryStore, SqliteStore, Store, SupervisionStore};

use super::{GridFile, STEM, export, import};
use crate::import::{Format, ImportFile};
use crate::{Error, Problem, sample};

fn at(offset_ms: i64) -> model::Instant {
    model::Instant::from_unix_millis(1_795_000_000_000 + offset_ms).unwrap()
}

fn grid_csv(text: &str) -> GridFile {
    GridFile { name: format!("{STEM}.csv"), format: Format::Csv, bytes: text.as_bytes().to_vec() }
}

/// A refusal's problems as (file, line, column, reason).
type Problems = Vec<(String, usize, Option<String>, String)>;

/// Imports `registry` files and `grid` files into `store` as `tester`;
/// returns the grid sheet's report, or the problems (file, line, column, reason).
fn check(
    store: &dyn Store,
    registry: &[ImportFile],
    grid: &[GridFile],
) -> Result<crate::ImportReport, Problems> {
    match import(store, registry, grid, "tester", at(1_000), false) {
        Ok((_, grid)) => Ok(grid),
        Err(Error::Rejected { problems }) => Err(problems
            .into_iter()
            .map(|Problem { file, line, column, reason, .. }| (file, line, column, reason))
            .collect()),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn the_sample_grid_imports_with_its_towns_and_exports_back_unchanged() {
    let store = SqliteStore::open_in_memory().unwrap();
    // Towns and grid cells in one import: the cells may name towns of the same import.
    let (registry, grid) =
        import(&store, &sample::files(), &sample::grid_files(), "demo", at(0), true).unwrap();
    assert_eq!(registry.applied.n_created, registry.n_rows);
    assert_eq!((grid.n_rows, grid.applied.n_created), (10, 10));
    let cells = store.grid_cells().unwrap();
    let towns = store.registry_records(RegistryKind::Town).unwrap();
    assert_eq!(cells.len(), towns.len(), "one grid cell per sample town");
    assert!(cells.iter().all(|record| record.sample && record.cell.inspectors.len() == 2));
    assert_eq!(cells[0].cell.primary().unwrap().as_str(), "wg.zhugen.1");
    assert_eq!(cells[0].cell.deputy().unwrap().as_str(), "wg.zhugen.2");

    for format in [Format::Csv, Format::Xlsx] {
        let bytes = export(&store, format).unwrap();
        let file = GridFile { name: format!("grid.{}", format.extension()), format, bytes };
        let again = check(&store, &[], &[file]).unwrap();
        assert_eq!((again.n_rows, again.applied.n_unchanged), (10, 10), "{format:?}");
    }
    let csv = String::from_utf8(export(&store, Format::Csv).unwrap()).unwrap();
    assert!(csv.starts_with("town,name,inspectors,status\n511112100,"), "{csv}");
}

#[test]
fn bad_grid_rows_are_all_reported_and_nothing_is_imported() {
    let store = SqliteStore::open_in_memory().unwrap();
    crate::import::import(&store, &sample::files(), "demo", at(0), true).unwrap();
    let retire_town = ImportFile {
        name: "towns.csv".to_owned(),
        kind: RegistryKind::Town,
        format: Format::Csv,
        bytes: "code,name,district,status\n511112199,退役镇,五通桥区,retired\n".as_bytes().to_vec(),
    };
    let bad = grid_csv(
        "所在镇,网格名称,网格员\n\
         511112100,竹根网格,wg.a;wg.b\n\
         999999999,无此镇,wg.c\n\
         511112101,牛华网格,\n\
         511112102,金粟网格,wg d\n\
         511112100,又一个竹根网格,wg.e\n\
         511112199,退役镇网格,wg.f\n\
         511112103,金山网格,wg.g;wg.g\n",
    );
    let problems = check(&store, &[retire_town], &[bad]).unwrap_err();
    let found: Vec<(usize, Option<&str>, bool)> = problems
        .iter()
        .map(|(_, line, column, reason)| {
            let expected = match line {
                3 => reason.contains("\"999999999\" does not exist"),
                4 => reason.contains("is empty"),
                5 => reason.contains("not a valid login"),
                6 => reason.contains("already has a grid cell at grid.csv, line 2"),
                7 => reason.contains("is retired"),
                8 => reason.contains("listed twice"),
                _ => false,
            };
            (*line, column.as_deref(), expected)
        })
        .collect();
    assert_eq!(
        found,
        [
            (3, Some("town"), true),
            (4, Some("inspectors"), true),
            (5, Some("inspectors"), true),
            (6, Some("town"), true),
            (7, Some("town"), true),
            (8, Some("inspectors"), true),
        ],
        "{problems:?}"
    );
    assert!(store.grid_cells().unwrap().is_empty(), "no cell applied");
    assert!(
        store.registry_record(RegistryKind::Town, "511112199").unwrap().is_none(),
        "nor the registry file of the same import"
    );

    let missing_column = grid_csv("town,name\n511112100,竹根网格\n");
    let problems = check(&store, &[], &[missing_column]).unwrap_err();
    assert_eq!(problems[0].1, 1);
    assert_eq!(problems[0].2.as_deref(), Some("inspectors"));

    let retire = grid_csv("town,name,inspectors,status\n511112100,竹根网格,wg.a,active\n");
    assert_eq!(check(&store, &[], &[retire]).unwrap().applied.n_created, 1);
    let retire = grid_csv("town,name,inspectors,status\n511112100,竹根网格,wg.a,退役\n");
    assert_eq!(check(&store, &[], &[retire]).unwrap().applied.n_retired, 1);
    assert_eq!(store.grid_cells().unwrap()[0].status, RecordStatus::Retired);
}

#[test]
fn inspectors_without_an_active_account_are_imported_with_a_warning() {
    use model::account::{Role, UserName};
    use store::{AccountStore, ChangedBy, NewUser};
    let store = SqliteStore::open_in_memory().unwrap();
    crate::import::import(&store, &sample::files(), "demo", at(0), true).unwrap();
    let by = ChangedBy { actor: "cli".to_owned(), at: at(1) };
    let mut ids = Vec::new();
    for name in ["wg.a", "wg.old"] {
        let user = NewUser {
            name: UserName::parse(name).unwrap(),
            role: Role::Inspector,
            enterprise: None,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        };
        ids.push(store.create_user(&user, &by).unwrap());
    }
    store.retire_user(ids[1], &by).unwrap();
    let grid = grid_csv(
        "town,name,inspectors,status\n\
         511112100,竹根网格,wg.a;wg.b;wg.old,active\n\
         511112101,牛华网格,wg.gone,retired\n",
    );
    let report = check(&store, &[], &[grid]).unwrap();
    assert_eq!(report.applied.n_created, 2, "imported, not refused");
    let warned: Vec<(usize, Option<&str>, &str, &str)> = report
        .warnings
        .iter()
        .map(|w| (w.line, w.column.as_deref(), w.reason.as_str(), w.reason_zh.as_str()))
        .collect();
    assert_eq!(
        warned,
        [
            (
                2,
                Some("inspectors"),
                "inspector \"wg.b\" has no active account: alarms assigned to this login reach nobody",
                "网格员 \"wg.b\" 没有有效账号：分派给其的报警无人接收"
            ),
            (
                2,
                Some("inspectors"),
                "inspector \"wg.old\" has no active account: alarms assigned to this login reach nobody",
                "网格员 \"wg.old\" 没有有效账号：分派给其的报警无人接收"
            ),
        ],
        "the retired cell's login is not checked"
    );
}
