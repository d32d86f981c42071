//! The plan parser against the real document in `data/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use keikaku::plan::{Direction, FiscalYear, Plan, TargetKind};

fn plan() -> Plan {
    let text = std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md")
        .expect("the plan document is in data/");
    Plan::parse(&text).expect("the published plan parses")
}

#[test]
fn the_plan_has_fifty_eight_initiatives_on_pages_15_to_72() {
    let plan = plan();
    assert_eq!(plan.initiatives.len(), 58);
    let pages: Vec<u16> = plan.initiatives.iter().map(|i| i.page).collect();
    assert_eq!(pages, (15..=72).collect::<Vec<u16>>());
    assert_eq!(plan.policies.len(), 3);
    assert_eq!(plan.policies[1].title, "行政の業務効率化と働き方改革");
    let means: Vec<&str> = plan.means.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(means, ["オンライン化", "ペーパーレス化", "オートメーション化", "キャッシュレス化"]);
    assert_eq!(plan.years, vec![FiscalYear::reiwa(8), FiscalYear::reiwa(9), FiscalYear::reiwa(10)]);
    let per_policy: Vec<usize> = (1..=3).map(|n| plan.initiatives.iter().filter(|i| i.policy == n).count()).collect();
    assert_eq!(per_policy, vec![20, 26, 12]);
}

#[test]
fn page_18_has_the_kpi_of_dokodemo_madoguchi() {
    let plan = plan();
    let i = plan.initiative(18).unwrap();
    assert_eq!(i.title, "どこでも窓口(行政手続のオンライン化)");
    assert_eq!(i.departments, ["デジタル推進課"]);
    assert_eq!((i.period.start, i.period.end), (FiscalYear::reiwa(5), FiscalYear::reiwa(10)));
    assert_eq!(i.kpis.len(), 1);
    let kpi = &i.kpis[0];
    assert_eq!(kpi.name, "搭載手続数");
    let values: Vec<(u16, Option<f64>, &str)> =
        kpi.targets.iter().map(|(y, t)| (y.gregorian(), t.value, t.unit.as_deref().unwrap_or(""))).collect();
    assert_eq!(values, vec![(2026, Some(90.0), "件"), (2027, Some(95.0), "件"), (2028, Some(100.0), "件")]);
    assert_eq!(kpi.direction, Direction::Higher);
}

#[test]
fn page_32_leak_counts_fall_and_lower_is_better() {
    let plan = plan();
    let kpi = &plan.initiative(32).unwrap().kpis[0];
    assert!(kpi.name.contains("漏水"));
    let values: Vec<f64> = kpi.targets.iter().filter_map(|(_, t)| t.value).collect();
    assert_eq!(values, vec![247.0, 194.0, 141.0]);
    assert_eq!(kpi.direction, Direction::Lower);
}

#[test]
fn page_37_sets_a_target_for_reiwa_8_only() {
    let plan = plan();
    let kpi = &plan.initiative(37).unwrap().kpis[0];
    assert_eq!(kpi.name, "分析回数");
    assert_eq!(kpi.targets.len(), 1);
    assert_eq!(kpi.targets[0].0, FiscalYear::reiwa(8));
    assert_eq!(kpi.targets[0].1.raw, "200件");
    assert!(kpi.target(FiscalYear::reiwa(9)).is_none());
}

#[test]
fn page_22_belongs_to_two_departments() {
    let plan = plan();
    assert_eq!(plan.initiative(22).unwrap().departments, ["課税課", "市民課"]);
}

#[test]
fn heisei_and_single_year_periods_are_understood() {
    let plan = plan();
    assert_eq!(plan.initiative(22).unwrap().period.start.gregorian(), 2013);
    let p19 = plan.initiative(19).unwrap();
    assert_eq!((p19.period.start, p19.period.end), (FiscalYear::reiwa(8), FiscalYear::reiwa(8)));
}

#[test]
fn list_titles_and_detail_headings_are_both_kept() {
    let plan = plan();
    let p46 = plan.initiative(46).unwrap();
    assert_eq!((p46.title.as_str(), p46.heading.as_str()), ("固定資産税GIS導入", "固定資産税GIS導入事業"));
}

#[test]
fn reductions_and_floors_are_understood() {
    let plan = plan();
    let box_kpi = plan.initiative(42).unwrap().kpis.iter().find(|k| k.name.contains("箱数")).unwrap();
    let t = &box_kpi.targets[0].1;
    assert_eq!((t.kind, t.baseline.as_deref(), t.value), (TargetKind::Reduction, Some("令和5年度"), Some(10.0)));
    let rating = &plan.initiative(17).unwrap().kpis[0].targets[0].1;
    assert!(rating.at_least && rating.out_of == Some(5.0) && rating.value == Some(3.5));
    let incidents = &plan.initiative(36).unwrap().kpis[0];
    assert_eq!(incidents.direction, Direction::Lower);
}

#[test]
fn every_target_cell_of_the_plan_is_understood() {
    let plan = plan();
    for i in &plan.initiatives {
        for k in &i.kpis {
            for (y, t) in &k.targets {
                assert!(t.understood, "p.{} {} {}: 「{}」", i.page, k.name, y, t.raw);
            }
        }
    }
}

/// Independently of the parser: a section has a KPI table when a tab-separated row follows
/// its 「KPI」 heading before the next initiative heading.
#[test]
fn every_initiative_without_a_kpi_table_in_the_document_has_no_kpi() {
    let text = std::fs::read_to_string("data/nasushiobara-dx-action-plan-2026-2028.md").unwrap();
    let plan = plan();
    let details = text.split("\n# ").skip_while(|s| !s.starts_with("デジタルを活用した 自動応答"));
    let mut with_table = Vec::new();
    for (section, initiative) in details.zip(&plan.initiatives) {
        let kpi_part = section.split("KPI\n").nth(1).unwrap_or("");
        with_table.push((initiative.page, kpi_part.lines().any(|l| l.contains('\t'))));
    }
    assert_eq!(with_table.len(), 58);
    for (page, has_table) in with_table {
        let i = plan.initiative(page).unwrap();
        assert_eq!(!i.kpis.is_empty(), has_table, "p.{page}");
    }
    let without: Vec<u16> = plan.initiatives.iter().filter(|i| i.kpis.is_empty()).map(|i| i.page).collect();
    assert_eq!(without, vec![15, 19, 23, 25, 26, 28, 39, 40, 43, 45, 48, 52, 54, 61, 64, 71]);
}

#[test]
fn cashless_initiatives_are_those_whose_text_says_cashless() {
    let plan = plan();
    let cashless = plan.means.iter().find(|m| m.name == "キャッシュレス化").unwrap().number;
    let pages: Vec<u16> = plan.initiatives.iter().filter(|i| i.means.contains(&cashless)).map(|i| i.page).collect();
    assert_eq!(pages, vec![21, 24, 34, 62, 66]);
}
