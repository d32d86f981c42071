//! The nearest words to a mistyped one, by edit distance over characters (a swap of two
//! neighbours counts as one slip, as people type `aks` for `ask`). Pure; knows nothing of
//! where the words come from.

/// The optimal-string-alignment distance between `a` and `b`, in characters: insertions,
/// deletions, substitutions and swaps of two neighbours each cost 1.
///
/// ```
/// assert_eq!(keikaku::nearest::distance("aks", "ask"), 1);
/// assert_eq!(keikaku::nearest::distance("デジタル推進課", "デジタル推進室"), 1);
/// ```
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidates nearest to `word`, at most `limit` of them, closest first (ties in the
/// candidates' order); only those within half of `word`'s length, so that a word unlike any
/// candidate gets none rather than noise.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<&'a str> {
    let bound = word.chars().count().div_ceil(2).max(1);
    let mut scored: Vec<(usize, &str)> =
        candidates.into_iter().map(|c| (distance(word, c), c)).filter(|(d, _)| *d <= bound).collect();
    scored.sort_by_key(|(d, _)| *d);
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_of_two_letters_is_one_slip() {
        assert_eq!(distance("aks", "ask"), 1);
        assert_eq!(nearest("aks", ["chat", "ask", "web"], 3), ["ask"]);
    }

    #[test]
    fn a_word_unlike_every_candidate_gets_none() {
        assert!(nearest("zzzzzz", ["ask", "chat"], 3).is_empty());
    }

    #[test]
    fn the_closest_come_first() {
        assert_eq!(
            nearest("デジタル推進", ["保全管理課", "デジタル推進課", "デジタル課"], 2),
            ["デジタル推進課", "デジタル課"]
        );
    }
}
