//! Building cards: which facts of the plan answer which intent.

use super::{Action, Block, Card};
use crate::actuals::{ActualsView, Status, jst, judge};
use crate::plan::{Direction, FiscalYear, Initiative, Kpi, Plan, TargetKind};
use crate::search::{Intent, NotFoundReason, Outcome, Superlative, YearRelation};

/// What a card may show besides the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// Reported actuals, shown beside the targets.
    pub actuals: Option<&'a ActualsView>,
    /// Show who reported (staff); residents see values only.
    pub reporters: bool,
    /// The current fiscal year, given by the caller (cards never read the clock): the year a
    /// progress card shows when the question names none. Without it, the plan's first year.
    pub today: Option<FiscalYear>,
}

/// The card for `outcome`, from the plan alone.
pub fn card(plan: &Plan, outcome: &Outcome) -> Card {
    card_with(plan, outcome, Extras::default())
}

/// The card for `outcome`, with actuals where given.
pub fn card_with(plan: &Plan, outcome: &Outcome, extras: Extras<'_>) -> Card {
    let mut c = Card { blocks: Vec::new(), actions: Vec::new() };
    let x = &extras;
    match outcome.intent {
        Intent::NotFound => not_found(&mut c, plan, outcome),
        Intent::List if outcome.progress => progress(&mut c, plan, outcome, x),
        Intent::List => list(&mut c, plan, outcome),
        intent if outcome.ambiguous => candidates(&mut c, plan, outcome, intent, x),
        intent => match outcome.hits.first().and_then(|h| plan.initiative(h.page)) {
            Some(i) => initiative(&mut c, plan, i, intent, outcome.year, x),
            None => c.blocks.push(Block::Text(NO_MATCH.into())),
        },
    }
    if outcome.truncated {
        c.blocks.push(Block::Note(format!(
            "質問が長いため、最初の{}文字だけを読んで答えました。",
            crate::search::engine::MAX_QUESTION_CHARS
        )));
    }
    c
}

const NO_MATCH: &str = "計画の中に、お尋ねの内容に当てはまる取組は見つかりませんでした。";

/// The card of one initiative for one intent.
pub fn initiative(c: &mut Card, plan: &Plan, i: &Initiative, intent: Intent, year: Option<FiscalYear>, x: &Extras<'_>) {
    c.blocks.push(Block::Title(i.title.clone()));
    c.blocks.push(Block::Meta(meta(plan, i)));
    match intent {
        Intent::Kpi => kpis(c, i, year, x),
        Intent::Contents => section(c, "内容", &i.contents),
        Intent::Methods => {
            section(c, "具体的方法", &i.methods);
            section(c, "内容", &i.contents);
        }
        Intent::Effects => {
            section(c, "期待する効果", &i.effects);
            section(c, "内容", &i.contents);
        }
        Intent::Period => period(c, i),
        Intent::Schedule => {
            schedule(c, i);
            period(c, i);
        }
        Intent::Department => {
            c.blocks.push(Block::Section("所属".into()));
            for d in &i.departments {
                c.blocks.push(Block::Item(d.clone()));
            }
        }
        _ => overview(c, i),
    }
    for (label, wanted) in [
        ("概要", Intent::Overview),
        ("KPI", Intent::Kpi),
        ("方法", Intent::Methods),
        ("効果", Intent::Effects),
        ("期間・予定", Intent::Schedule),
    ] {
        if wanted != intent {
            c.actions.push(Action::Show { label: label.into(), page: i.page, intent: wanted });
        }
    }
}

/// 「所属: デジタル推進課 ／ p.18 ／ 基本方針1 市民サービスの利便性向上」.
fn meta(plan: &Plan, i: &Initiative) -> String {
    let policy = plan.policy(i.policy).map(|p| format!(" ／ 基本方針{} {}", p.number, p.title)).unwrap_or_default();
    format!("所属: {} ／ p.{}{}", i.department_label(), i.page, policy)
}

fn section(c: &mut Card, name: &str, items: &[String]) {
    c.blocks.push(Block::Section(name.into()));
    for item in items {
        c.blocks.push(Block::Item(item.clone()));
    }
}

fn overview(c: &mut Card, i: &Initiative) {
    section(c, "内容", &i.contents);
    c.blocks.push(Block::Section("取組期間".into()));
    c.blocks.push(Block::Item(i.period.to_string()));
    c.blocks.push(Block::Section("KPI".into()));
    if i.kpis.is_empty() {
        c.blocks.push(Block::Item(NO_KPI.into()));
    }
    for k in &i.kpis {
        let first = k.targets.first();
        let last = k.targets.last().filter(|_| k.targets.len() > 1);
        let span = match (first, last) {
            (Some((y1, t1)), Some((y2, t2))) => format!("{} {} → {} {}", y1.japanese(), t1.raw, y2.japanese(), t2.raw),
            (Some((y, t)), None) => format!("{} {}", y.japanese(), t.raw),
            _ => "目標値の記載なし".into(),
        };
        c.blocks.push(Block::Item(format!("{}: {}", k.name, span)));
    }
    c.blocks.push(Block::Note("「KPI」「方法」「効果」「スケジュール」と続けて聞けます。".into()));
}

const NO_KPI: &str = "この取組には、計画上KPI(数値目標)の記載がありません。";

fn kpis(c: &mut Card, i: &Initiative, year: Option<FiscalYear>, x: &Extras<'_>) {
    c.blocks.push(Block::Section("KPI".into()));
    if i.kpis.is_empty() {
        c.blocks.push(Block::Text(NO_KPI.into()));
        section(c, "期待する効果", &i.effects);
        return;
    }
    for k in &i.kpis {
        kpi(c, i.page, k, year, x);
    }
}

fn kpi(c: &mut Card, page: u16, k: &Kpi, year: Option<FiscalYear>, x: &Extras<'_>) {
    c.blocks.push(Block::Item(format!("{}（{}）", k.name, direction_label(k))));
    if k.targets.is_empty() {
        c.blocks.push(Block::Detail("目標値の記載なし".into()));
    }
    for (y, t) in &k.targets {
        let mut line = format!("{y}: {}", t.raw);
        if !t.understood {
            line.push_str("（数値として解釈できない記載）");
        }
        if let Some(view) = x.actuals {
            line.push_str(&actual_part(view, page, k, *y, x));
        }
        if year == Some(*y) {
            line.push_str(" ◀");
        }
        c.blocks.push(Block::Detail(line));
    }
    if let Some(y) = year
        && k.target(y).is_none()
    {
        c.blocks.push(Block::Detail(format!("{y}: 目標値の記載なし ◀")));
    }
}

/// 「 ／ 実績 92件（102%・達成）」 beside a target, or 「 ／ 実績 未報告」.
fn actual_part(view: &ActualsView, page: u16, k: &Kpi, year: FiscalYear, x: &Extras<'_>) -> String {
    let Some(target) = k.target(year) else { return String::new() };
    match view.get(page, &k.name, year) {
        // A year still ahead has nothing to report yet.
        None if x.today.is_some_and(|today| year > today) => String::new(),
        None => " ／ 実績 未報告".into(),
        Some(a) => {
            let v = judge(k, target, year, Some(a.value), today_of(x));
            let shown = crate::actuals::value::display(a.value, a.unit.as_deref(), a.per.as_deref());
            let verdict = v.label();
            let by = if x.reporters { format!("　{} {}", a.reporter, jst(a.reported_at)) } else { String::new() };
            format!(" ／ 実績 {shown}（{verdict}）{by}")
        }
    }
}

/// Today's fiscal year as the caller gave it; without one, the clock's (cards are pure when
/// it is given, and every caller in the crate gives it).
fn today_of(x: &Extras<'_>) -> FiscalYear {
    x.today.unwrap_or_else(|| crate::actuals::fiscal_year(crate::actuals::now_unix()))
}

/// 「削減目標」, 「少ないほど良い」, 「多いほど良い」: how to read the targets.
fn direction_label(k: &Kpi) -> &'static str {
    if k.targets.iter().any(|(_, t)| t.kind == TargetKind::Reduction) {
        "削減目標"
    } else {
        match k.direction {
            Direction::Lower => "少ないほど良い・上限",
            Direction::Higher => "多いほど良い",
        }
    }
}

fn period(c: &mut Card, i: &Initiative) {
    c.blocks.push(Block::Section("取組期間".into()));
    let years = i.period.end.gregorian() - i.period.start.gregorian() + 1;
    let length = if years == 1 { "単年度".to_string() } else { format!("{years}年間") };
    c.blocks.push(Block::Item(format!("{}（{length}）", i.period)));
    c.blocks.push(Block::Detail(format!("計画の記載: {}", i.period_raw)));
}

fn schedule(c: &mut Card, i: &Initiative) {
    c.blocks.push(Block::Section("実施スケジュール".into()));
    if i.schedule.is_empty() {
        c.blocks.push(Block::Text("計画には、この取組の実施スケジュールの記載がありません。".into()));
    }
    for row in &i.schedule {
        c.blocks.push(Block::Item(row.label.clone()));
        for (y, cell) in &row.cells {
            c.blocks.push(Block::Detail(format!("{y}: {cell}")));
        }
    }
}

fn candidates(c: &mut Card, plan: &Plan, outcome: &Outcome, intent: Intent, x: &Extras<'_>) {
    c.blocks
        .push(Block::Text(format!("当てはまる取組が{}件あります。どれについて知りたいですか？", outcome.hits.len())));
    for (n, hit) in outcome.hits.iter().enumerate() {
        let Some(i) = plan.initiative(hit.page) else { continue };
        c.blocks.push(Block::Title(format!("{}. {}", n + 1, i.title)));
        c.blocks.push(Block::Meta(format!("所属: {} ／ p.{}", i.department_label(), i.page)));
        match intent {
            Intent::Kpi => {
                if i.kpis.is_empty() {
                    c.blocks.push(Block::Item(NO_KPI.into()));
                }
                for k in &i.kpis {
                    kpi(c, i.page, k, outcome.year, x);
                }
            }
            // What was asked, of each candidate, so the one meant is seen at a glance.
            Intent::Period => {
                c.blocks.push(Block::Item(format!("取組期間: {}", i.period)));
            }
            Intent::Methods | Intent::Effects => {
                let (section, lines) =
                    if intent == Intent::Methods { ("方法", &i.methods) } else { ("効果", &i.effects) };
                if let Some(first) = lines.first() {
                    c.blocks.push(Block::Item(format!("{section}: {first}")));
                }
            }
            Intent::Schedule => match i.schedule.first() {
                Some(row) => {
                    let cells: Vec<String> = row.cells.iter().map(|(y, cell)| format!("{y} {cell}")).collect();
                    c.blocks.push(Block::Item(format!("{}: {}", row.label, cells.join(" ／ "))));
                }
                None => c.blocks.push(Block::Item("実施スケジュールの記載なし".into())),
            },
            _ => {
                if let Some(first) = i.contents.first() {
                    c.blocks.push(Block::Item(first.clone()));
                }
            }
        }
        c.actions.push(Action::Show { label: short_title(&i.title), page: i.page, intent });
    }
}

/// At most this many items are rendered in one list card (the plan has 58 initiatives; a
/// larger plan's long lists are paged, and `results` still holds them all).
pub const LIST_LIMIT: usize = 80;

fn list(c: &mut Card, plan: &Plan, outcome: &Outcome) {
    let shown = outcome.hits.len().min(LIST_LIMIT);
    list_items(c, plan, outcome, 0..shown);
    if shown < outcome.hits.len() {
        c.blocks.push(Block::Note(format!(
            "ほかに{}件あります。部署名や基本方針、年度で絞り込んでください。",
            outcome.hits.len() - shown
        )));
    }
}

/// One page of a list card: `per_page` items from page `n` (0-based), the heading counting
/// the whole list. Chat clients page long lists with this.
pub fn list_page(plan: &Plan, outcome: &Outcome, n: usize, per_page: usize) -> Card {
    let mut c = Card { blocks: Vec::new(), actions: Vec::new() };
    let start = (n * per_page).min(outcome.hits.len());
    let end = (start + per_page).min(outcome.hits.len());
    list_items(&mut c, plan, outcome, start..end);
    c
}

fn list_items(c: &mut Card, plan: &Plan, outcome: &Outcome, range: std::ops::Range<usize>) {
    let total = outcome.hits.len();
    let span =
        if range.len() < total { format!("・{}–{}件目", range.start + 1, range.end) } else { String::new() };
    c.blocks.push(Block::Title(format!("{}（{total}件{span}）", list_heading(plan, outcome))));
    for hit in &outcome.hits[range] {
        let Some(i) = plan.initiative(hit.page) else { continue };
        c.blocks.push(Block::Item(format!("{}（{} ／ p.{}）", i.title, i.department_label(), i.page)));
        if outcome.filters.year.is_some() {
            c.blocks.push(Block::Detail(format!("取組期間: {}", i.period)));
        }
    }
    c.blocks.push(Block::Note("取組名で聞くと、内容やKPIを表示します。".into()));
}

/// 「デジタル推進課の取組」, 「基本方針3「地域社会のDX促進」の取組」, 「令和9年度から始まる取組」.
fn list_heading(plan: &Plan, outcome: &Outcome) -> String {
    let f = &outcome.filters;
    let mut modifiers: Vec<String> = Vec::new();
    if let Some(t) = &outcome.topic {
        modifiers.push(format!("「{t}」に関する"));
    }
    if let Some(y) = &f.year {
        modifiers.push(match y.relation {
            YearRelation::Starts => format!("{}から始まる", y.year.japanese()),
            YearRelation::Ends => format!("{}で終わる", y.year.japanese()),
            YearRelation::Active => format!("{}に実施する", y.year.japanese()),
        });
    }
    if let Some((year, word)) = &f.stage {
        let when = year.map_or_else(|| "スケジュールに".to_string(), |y| format!("{}の予定が", y.japanese()));
        modifiers.push(format!("{when}「{word}」の"));
    }
    if f.single_year {
        modifiers.push("単年度の".into());
    }
    match f.kpi {
        Some(true) => modifiers.push("KPIのある".into()),
        Some(false) => modifiers.push("KPIのない".into()),
        None => {}
    }
    if f.constant_targets {
        modifiers.push("目標値が毎年同じ".into());
    }
    match f.superlative {
        Some(Superlative::Oldest) => modifiers.push("最も早く始まった".into()),
        Some(Superlative::Newest) => modifiers.push("最も新しく始まる".into()),
        None => {}
    }
    let mut owners: Vec<String> = Vec::new();
    if let Some(d) = &f.department {
        owners.push(d.clone());
    }
    if let Some(p) = f.policy.and_then(|n| plan.policy(n)) {
        owners.push(format!("基本方針{}「{}」", p.number, p.title));
    }
    if let Some(m) = f.means.and_then(|n| plan.means_by_number(n)) {
        owners.push(m.name.clone());
    }
    let owners = if owners.is_empty() && modifiers.is_empty() {
        "アクションプランの".to_string()
    } else if owners.is_empty() {
        String::new()
    } else {
        format!("{}の", owners.join("・"))
    };
    format!("{}{}取組", modifiers.concat(), owners)
}

/// Progress of a department (or the whole plan) in one fiscal year: every KPI's target with
/// its actual and status, and the counts.
fn progress(c: &mut Card, plan: &Plan, outcome: &Outcome, x: &Extras<'_>) {
    let year = outcome.year.or(x.today).or_else(|| plan.years.first().copied());
    let Some(year) = year else {
        c.blocks.push(Block::Text("計画に年度の表がありません。".into()));
        return;
    };
    let year = clamp_year(plan, year);
    let empty = ActualsView::default();
    let view = x.actuals.unwrap_or(&empty);
    let whose = outcome.filters.department.clone().unwrap_or_else(|| "アクションプラン全体".into());
    let mut counts = [0usize; Status::ALL.len()];
    let mut body = Vec::new();
    for hit in &outcome.hits {
        let Some(i) = plan.initiative(hit.page) else { continue };
        let lines: Vec<Block> = i
            .kpis
            .iter()
            .filter_map(|k| {
                let t = k.target(year)?;
                let a = view.get(i.page, &k.name, year);
                let v = judge(k, t, year, a.map(|a| a.value), today_of(x));
                counts[v.status as usize] += 1;
                Some(Block::Detail(format!("{}: 目標 {}{}", k.name, t.raw, actual_part(view, i.page, k, year, x))))
            })
            .collect();
        if !lines.is_empty() {
            body.push(Block::Item(format!("{}（p.{}）", i.title, i.page)));
            body.extend(lines);
        }
    }
    c.blocks.push(Block::Title(format!("{whose}の進捗 — {year}")));
    let total: usize = counts.iter().sum();
    c.blocks.push(Block::Meta(format!(
        "KPI {total}件: 達成 {} ／ 未達 {}{} ／ 未報告 {}{}",
        counts[Status::Achieved as usize],
        counts[Status::NotAchieved as usize],
        if counts[Status::Interim as usize] > 0 {
            format!(" ／ 年度途中 {}", counts[Status::Interim as usize])
        } else {
            String::new()
        },
        counts[Status::NotReported as usize],
        if counts[Status::NoVerdict as usize] > 0 {
            format!(" ／ 判定なし {}", counts[Status::NoVerdict as usize])
        } else {
            String::new()
        }
    )));
    if body.is_empty() {
        c.blocks.push(Block::Text(format!("{year}の目標があるKPIはありません。")));
    }
    c.blocks.extend(body);
}

/// `year` if the plan covers it, else the plan's nearest year.
fn clamp_year(plan: &Plan, year: FiscalYear) -> FiscalYear {
    match (plan.years.first(), plan.years.last()) {
        (Some(first), _) if year < *first => *first,
        (_, Some(last)) if year > *last => *last,
        _ => year,
    }
}

fn not_found(c: &mut Card, plan: &Plan, outcome: &Outcome) {
    let text = match &outcome.not_found {
        Some(NotFoundReason::NotInPlan(what)) => format!("アクションプランには「{what}」についての記載がありません。"),
        Some(NotFoundReason::NoSubject) => {
            "何についての質問か分かりませんでした。取組名や分野を入れて聞いてください（例:「どこでも窓口のKPI」「デジタル推進課の取組」）。".into()
        }
        Some(NotFoundReason::EmptyList) => "条件に当てはまる取組はありません。".into(),
        _ => NO_MATCH.into(),
    };
    c.blocks.push(Block::Text(text));
    if !outcome.suggestions.is_empty() {
        c.blocks.push(Block::Section("関連しそうな取組".into()));
        for s in &outcome.suggestions {
            if let Some(i) = plan.initiative(s.page) {
                c.blocks.push(Block::Item(format!("{}（{} ／ p.{}）", i.title, i.department_label(), i.page)));
                c.actions.push(Action::Show { label: short_title(&i.title), page: i.page, intent: Intent::Overview });
            }
        }
    } else if matches!(outcome.not_found, Some(NotFoundReason::NoMatch)) {
        // Nothing near: say what the plan does cover and how to browse it.
        let policies: Vec<String> = plan.policies.iter().map(|p| format!("基本方針{} {}", p.number, p.title)).collect();
        // Examples in words every channel understands (a question, not a bot command).
        let mut examples: Vec<String> = Vec::new();
        if let Some(p) = plan.policies.first() {
            examples.push(format!("「基本方針{}の取組一覧」", p.number));
        }
        if let Some(d) = plan.departments().first() {
            examples.push(format!("「{d}の取組」"));
        }
        c.blocks.push(Block::Note(format!(
            "この計画は{}件の取組（{}）を扱っています。一覧は{}のように、基本方針や部署名で聞くと見られます。",
            plan.initiatives.len(),
            policies.join("・"),
            examples.join("")
        )));
    }
}

/// A title short enough for a button.
fn short_title(title: &str) -> String {
    let chars: Vec<char> = title.chars().collect();
    if chars.len() <= 24 { title.to_string() } else { format!("{}…", chars[..23].iter().collect::<String>()) }
}
