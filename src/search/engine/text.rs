//! Text helpers of the engine: the question cut to size, a long message's background,
//! a list's topic.

use super::MAX_QUESTION_CHARS;
use crate::search::matcher::SubjectTerm;
use crate::search::outcome::{NotFoundReason, Outcome};
use crate::search::understand::Intent;

/// The question cut to [`MAX_QUESTION_CHARS`] characters.
pub(super) fn cut_question(question: &str) -> String {
    match question.char_indices().nth(MAX_QUESTION_CHARS) {
        Some((at, _)) => question[..at].to_string(),
        None => question.to_string(),
    }
}

/// How a closing courtesy begins (「よろしくお願いいたします。」「ありがとうございます。」
/// 「以上です。」): a formula, not a question.
const CLOSERS: &[&str] = &["よろしく", "宜しく", "お願い", "何卒", "なにとぞ", "どうぞ", "ありがとう", "失礼", "以上"];
/// A closing courtesy is a short sentence.
const MAX_CLOSER_CHARS: usize = 24;
/// What ends a sentence.
const SENTENCE_ENDS: [char; 6] = ['。', '!', '?', '！', '？', ' '];

/// `text` without the closing courtesies that follow its last question sentence.
fn without_closers(text: &str) -> &str {
    let mut end = text.trim_end_matches(SENTENCE_ENDS);
    loop {
        let start = end
            .char_indices()
            .rev()
            .find(|(_, c)| SENTENCE_ENDS[..5].contains(c))
            .map_or(0, |(at, c)| at + c.len_utf8());
        let last = end[start..].trim_start();
        let closer =
            start > 0 && last.chars().count() <= MAX_CLOSER_CHARS && CLOSERS.iter().any(|c| last.starts_with(c));
        if !closer {
            return end;
        }
        end = end[..start].trim_end_matches(SENTENCE_ENDS);
    }
}

/// What a sentence that asks says (「…でしょうか」「教えてください」「知りたい」), besides a
/// question mark.
const ASKS: &[&str] =
    &["か", "ください", "下さい", "教えて", "おしえて", "知りたい", "いただけ", "頂け", "ほしい", "欲しい", "でしょう"];

/// `text` up to the end of its last sentence that asks, when a sentence after it does not
/// (「…一覧にしていただけますか。その後の決算書と見比べてみるつもりです。」): what follows
/// the question is a remark, not the question.
fn through_last_question(text: &str) -> &str {
    let mut ends: Vec<usize> =
        text.char_indices().filter(|(_, c)| SENTENCE_ENDS[..5].contains(c)).map(|(at, c)| at + c.len_utf8()).collect();
    if ends.last() != Some(&text.len()) {
        ends.push(text.len());
    }
    let asks = |s: &str| {
        let s = s.trim_end_matches(SENTENCE_ENDS);
        text_asks(s)
    };
    let mut start_of = 0;
    let mut last_asking = None;
    for &end in &ends {
        let sentence = &text[start_of..end];
        if sentence.ends_with(['?', '？']) || asks(sentence) {
            last_asking = Some(end);
        }
        start_of = end;
    }
    match last_asking {
        Some(end) if end < text.len() => text[..end].trim_end_matches(SENTENCE_ENDS),
        _ => text,
    }
}

fn text_asks(sentence: &str) -> bool {
    ASKS.iter().any(|a| if *a == "か" { sentence.ends_with('か') } else { sentence.contains(a) })
}

/// Where a long message's question ends: before closing courtesies and remarks after it.
pub(super) fn question_end(text: &str) -> usize {
    through_last_question(without_closers(text)).len()
}

/// The byte ranges of a long message's background: everything but its last clause, which
/// is where a message written with personal context and courtesy puts its question
/// (「…大変なのですが、パソコン上で承認まで済ませる取組はいつまで？」) — before any closing
/// courtesy (「…どちらの課でしょうか。よろしくお願いいたします。」).
pub(super) fn background_spans(text: &str) -> Option<std::ops::Range<usize>> {
    if text.chars().count() < 60 {
        return None;
    }
    let mut cut = 0;
    let trimmed = through_last_question(without_closers(text));
    for (at, c) in trimmed.char_indices() {
        if matches!(c, '。' | '!' | '?' | '！' | '？') {
            cut = at + c.len_utf8();
        }
    }
    for joint in ["のですが、", "ですが、", "ますが、", "けれど、", "けど、", "ので、", "が、"]
    {
        if let Some(at) = trimmed[cut..].rfind(joint) {
            cut += at + joint.len();
            break;
        }
    }
    (cut > 0).then_some(0..cut)
}

/// `subject_text` (which is `text` with parts blanked) with the characters of `range` of
/// `text` blanked too.
pub(super) fn blank_range(subject_text: &str, text: &str, range: std::ops::Range<usize>) -> String {
    let piece = &text[range];
    subject_text.replacen(piece, "、", 1)
}

pub(super) fn topic_of(subject: &[SubjectTerm]) -> String {
    subject
        .iter()
        .filter(|t| !t.is_background() && t.pages.is_empty())
        // As the question writes it (「子育て」, not the folded 「子育テ」).
        .map(|t| if t.term.is_empty() { t.word.clone() } else { t.term.clone() })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn not_found(mut outcome: Outcome, reason: NotFoundReason) -> Outcome {
    outcome.intent = Intent::NotFound;
    outcome.ambiguous = false;
    outcome.hits.clear();
    outcome.not_found = Some(reason);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_keeps_its_question_sentence_in_focus() {
        let text = "母が運転免許を返納してから、市の乗り合いタクシーを使っています。電話で予約しても乗れないそうです。AIで配車する取組は何年度からでしょうか。";
        let span = background_spans(text);
        let question_at = text.find("AIで配車").unwrap_or(0);
        assert_eq!(span, Some(0..question_at));
    }

    #[test]
    fn the_last_clause_after_a_joint_is_the_question() {
        let text = "本庁の係で働いています。書類を作るたびに紙に印刷してハンコをもらっていて正直しんどいのですが、パソコン上で承認まで済ませる取組はいつまで?";
        let question_at = text.find("パソコン").unwrap_or(0);
        assert_eq!(background_spans(text), Some(0..question_at));
    }

    #[test]
    fn a_closing_courtesy_is_not_the_question() {
        let text = "市の窓口で長年働いてきた者です。最近は書類の確認ばかりで手が足りません。書類を読み取って入力してくれる仕組みは誰が担当していますか。どうぞよろしくお願いいたします。";
        let question_at = text.find("書類を読み取って").unwrap_or(0);
        assert_eq!(background_spans(text), Some(0..question_at));
        // A request that ends in 「お願いします」 within its own sentence stays the question.
        let text = "市の窓口で長年働いてきた者です。最近は書類の確認ばかりで手が足りません。書類を読み取る仕組みの担当を教えてください、お願いします。";
        let question_at = text.find("書類を読み取る").unwrap_or(0);
        assert_eq!(background_spans(text), Some(0..question_at));
    }

    #[test]
    fn a_remark_after_the_question_is_not_the_question() {
        let text = "町内会で回覧板を作っている者です。市の電子申請のことを載せたいと考えています。電子申請を担当している課を教えていただけますか。来月の回覧に間に合わせるつもりです。";
        let question_at = text.find("電子申請を担当").unwrap_or(0);
        assert_eq!(background_spans(text), Some(0..question_at));
        let end = text.find("。来月").unwrap_or(0);
        assert_eq!(question_end(text), end);
        // With no sentence that asks, the last one is the question, as before.
        let plain = "町内会で回覧板を作っている者です。市の電子申請のことを載せたいと考えています。電子申請の担当課。";
        assert_eq!(question_end(plain), plain.trim_end_matches('。').len());
    }

    #[test]
    fn a_short_question_has_no_background() {
        assert!(background_spans("書かない窓口の期間は？").is_none());
    }

    #[test]
    fn long_questions_are_cut() {
        let long = "あ".repeat(MAX_QUESTION_CHARS + 10);
        assert_eq!(cut_question(&long).chars().count(), MAX_QUESTION_CHARS);
    }
}
