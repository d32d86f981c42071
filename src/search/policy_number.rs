//! A basic policy named by its number in the ways people write one: 「基本方針2」,
//! 「方針三」, 「方針の3つ目」, 「三つ目の基本方針」, 「第2の方針」, 「2番目の柱」.
//!
//! A number after the word is read as it is (「方針3」); a number before it only when it is
//! an ordinal (「3つ目の」, 「第3の」, 「3番目の」): 「3つの基本方針」 are all three. A pillar
//! (柱) is a policy only by an ordinal (「2本目の柱」), never by a bare number. Pure.

use std::ops::Range;

/// The words a policy is called by, longest first; whether a bare number after it names one.
const HEADS: [(&str, bool); 3] = [("基本方針", true), ("方針", true), ("柱", false)];

/// What makes a number an ordinal after it.
const ORDINAL_AFTER: [&str; 5] = ["つ目", "つめ", "番目", "本目", "番"];

/// The policy number a question names and the byte range that names it (to be blanked), or
/// `None`. `known` says whether the plan has a policy of that number.
pub fn find(text: &str, known: &dyn Fn(u8) -> bool) -> Option<(u8, Range<usize>)> {
    let chars: Vec<char> = text.chars().collect();
    let bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
    let mut i = 0;
    while i < chars.len() {
        let Some((head, bare)) = HEADS.iter().find(|(h, _)| starts_with(&chars[i..], h)) else {
            i += 1;
            continue;
        };
        let len = head.chars().count();
        let found = after(&chars, i + len, *bare)
            .map(|(n, end)| (n, i, end))
            .or_else(|| before(&chars, i).map(|(n, start)| (n, start, i + len)));
        if let Some((n, start, end)) = found
            && known(n)
        {
            return Some((n, bytes[start]..bytes[end]));
        }
        i += len;
    }
    None
}

/// The number after a policy word (「3」, 「の3つ目」, 「第二」), and where it ends.
fn after(chars: &[char], at: usize, bare: bool) -> Option<(u8, usize)> {
    let mut i = at;
    if chars.get(i) == Some(&'の') {
        i += 1;
    }
    let ordinal_before = chars.get(i) == Some(&'第');
    if ordinal_before {
        i += 1;
    }
    let (n, end) = number(chars, i)?;
    let suffix = ORDINAL_AFTER.iter().find(|s| starts_with(&chars[end..], s)).map(|s| s.chars().count());
    // 「方針の3」 alone is too loose; 「方針3」 and 「方針の3つ目」 are not.
    let plain = i == at && bare;
    (plain || ordinal_before || suffix.is_some()).then(|| (n, end + suffix.unwrap_or(0)))
}

/// The ordinal before a policy word (「3つ目の」, 「第三の」, 「2番目の」), and where it starts.
fn before(chars: &[char], head: usize) -> Option<(u8, usize)> {
    let mut end = head;
    if end > 0 && chars[end - 1] == 'の' {
        end -= 1;
    }
    let suffix = ORDINAL_AFTER.iter().find(|s| ends_with(&chars[..end], s)).map(|s| s.chars().count());
    let number_end = end - suffix.unwrap_or(0);
    let mut start = number_end;
    while start > 0 && digit(chars[start - 1]).is_some() {
        start -= 1;
    }
    if start == number_end {
        return None;
    }
    let (n, _) = number(chars, start)?;
    let dai = start > 0 && chars[start - 1] == '第';
    (suffix.is_some() || dai).then(|| (n, start - usize::from(dai)))
}

/// A one-digit number in ASCII, full-width or kanji digits at `at`, and where it ends.
fn number(chars: &[char], at: usize) -> Option<(u8, usize)> {
    let d = digit(*chars.get(at)?)?;
    // 「方針12」 or 「十」: not a policy of this kind of plan.
    if chars.get(at + 1).and_then(|c| digit(*c)).is_some() {
        return None;
    }
    Some((d, at + 1))
}

fn digit(c: char) -> Option<u8> {
    const KANJI: [char; 9] = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if let Some(d) = c.to_digit(10) {
        return u8::try_from(d).ok();
    }
    KANJI.iter().position(|k| *k == c).and_then(|p| u8::try_from(p + 1).ok())
}

fn starts_with(chars: &[char], word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    chars.len() >= w.len() && chars[..w.len()] == w[..]
}

fn ends_with(chars: &[char], word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    chars.len() >= w.len() && chars[chars.len() - w.len()..] == w[..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Option<u8> {
        find(text, &|n| (1..=3).contains(&n)).map(|(n, _)| n)
    }

    #[test]
    fn a_policy_is_named_by_its_number_in_many_ways() {
        assert_eq!(policy("基本方針2の取組"), Some(2));
        assert_eq!(policy("方針3"), Some(3));
        assert_eq!(policy("基本方針三の一覧"), Some(3));
        assert_eq!(policy("三つ目の基本方針に入る取組"), Some(3));
        assert_eq!(policy("第2の方針"), Some(2));
        assert_eq!(policy("2番目の柱の取組"), Some(2));
        assert_eq!(policy("基本方針の1つ目"), Some(1));
        assert_eq!(policy("方針の第一"), Some(1));
    }

    #[test]
    fn counts_and_unknown_numbers_are_no_policy() {
        assert_eq!(policy("3つの基本方針"), None);
        assert_eq!(policy("3本の柱"), None);
        assert_eq!(policy("柱3"), None);
        assert_eq!(policy("基本方針5"), None);
        assert_eq!(policy("方針12"), None);
        assert_eq!(policy("市の方針は"), None);
    }

    #[test]
    fn the_range_covers_what_names_it() {
        let text = "三つ目の基本方針の取組";
        let (_, r) = find(text, &|_| true).expect("a policy");
        assert_eq!(&text[r], "三つ目の基本方針");
    }
}
