//! Readings: how a word sounds, so that a question written in hiragana, katakana or romaji
//! (「よぼうせっしゅ」, 「jinji hyouka」) meets the plan's kanji (予防接種, 人事評価), and a
//! homophone typed by mistake (投機 for 登記, both トウキ) meets the word that was meant.
//!
//! Readings are katakana, folded so that spellings of one sound compare equal: hiragana
//! becomes katakana, the long-vowel mark becomes the vowel it lengthens (ホーム → ホオム),
//! ヲ/ヂ/ヅ become オ/ジ/ズ. Pure functions; the readings of words come from the analyzer.

/// Folds a reading: katakana, long vowels spelt out, variant kana merged. Characters that are
/// not kana are kept as they are.
///
/// ```
/// use keikaku::search::reading::fold;
/// assert_eq!(fold("ほーむぺーじ"), fold("ホオムペエジ"));
/// assert_eq!(fold("ヲ"), "オ");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_vowel: Option<char> = None;
    for c in text.chars() {
        let c = crate::normalize::hiragana_to_katakana(c);
        let c = match c {
            'ヲ' => 'オ',
            'ヂ' => 'ジ',
            'ヅ' => 'ズ',
            'ヮ' => 'ワ',
            _ => c,
        };
        if (c == 'ー' || c == '〜')
            && let Some(v) = last_vowel
        {
            out.push(v);
            continue;
        }
        last_vowel = vowel_of(c);
        out.push(c);
    }
    out
}

/// The reading with voicing marks removed (ガ → カ, パ → ハ): a looser key for homophone
/// slips that differ only there (解雇 カイコ / 介護 カイゴ).
pub fn unvoice(reading: &str) -> String {
    reading
        .chars()
        .map(|c| {
            // Katakana with dakuten/handakuten sit right after their plain letter.
            match c {
                'ガ' | 'ギ' | 'グ' | 'ゲ' | 'ゴ' | 'ザ' | 'ジ' | 'ズ' | 'ゼ' | 'ゾ' | 'ダ' | 'デ' | 'ド' | 'バ'
                | 'ビ' | 'ブ' | 'ベ' | 'ボ' => char::from_u32(c as u32 - 1).unwrap_or(c),
                'パ' | 'ピ' | 'プ' | 'ペ' | 'ポ' => char::from_u32(c as u32 - 2).unwrap_or(c),
                'ヴ' => 'ウ',
                _ => c,
            }
        })
        .collect()
}

/// True for hiragana, katakana and the long-vowel mark.
pub fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー')
}

/// True when `text` is written (almost) without kanji: at least 80% of its letters are
/// kana or latin, and it has kana or latin at all. Such a question is read by sound.
pub fn is_phonetic(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphanumeric() || *c == 'ー').collect();
    if letters.is_empty() {
        return false;
    }
    let phonetic = letters.iter().filter(|c| is_kana(**c) || c.is_ascii_alphabetic()).count();
    phonetic * 5 >= letters.len() * 4
}

fn vowel_of(c: char) -> Option<char> {
    const ROWS: [(&str, char); 5] = [
        ("アカガサザタダナハバパマヤャラワァ", 'ア'),
        ("イキギシジチヂニヒビピミリィ", 'イ'),
        ("ウクグスズツヅヌフブプムユュルゥヴ", 'ウ'),
        ("エケゲセゼテデネヘベペメレェ", 'エ'),
        ("オコゴソゾトドノホボポモヨョロヲォ", 'オ'),
    ];
    ROWS.iter().find(|(row, _)| row.contains(c)).map(|(_, v)| *v)
}

/// A romaji word (Hepburn or kunrei, as people type it) as katakana, or `None` when it does
/// not read as Japanese (「jinji」 → ジンジ, 「shisutemu」 → システム, 「kyouyuu」 → キョウユウ).
///
/// ```
/// use keikaku::search::reading::romaji_to_katakana;
/// assert_eq!(romaji_to_katakana("hyouka").as_deref(), Some("ヒョウカ"));
/// assert_eq!(romaji_to_katakana("gakkou").as_deref(), Some("ガッコウ"));
/// assert_eq!(romaji_to_katakana("xyz"), None);
/// ```
pub fn romaji_to_katakana(word: &str) -> Option<String> {
    let w: Vec<char> = word.to_ascii_lowercase().chars().collect();
    if w.is_empty() || !w.iter().all(|c| c.is_ascii_lowercase() || *c == '-' || *c == '\'') {
        return None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < w.len() {
        let c = w[i];
        if c == '-' {
            out.push('ー');
            i += 1;
            continue;
        }
        if c == '\'' {
            i += 1;
            continue;
        }
        // A doubled consonant is a small tsu (but nn is ン).
        if i + 1 < w.len() && w[i + 1] == c && !is_vowel(c) && c != 'n' {
            out.push('ッ');
            i += 1;
            continue;
        }
        if c == 't' && w.get(i + 1) == Some(&'c') && w.get(i + 2) == Some(&'h') {
            out.push('ッ');
            i += 1;
            continue;
        }
        if c == 'n' {
            let next = w.get(i + 1).copied();
            match next {
                None => {
                    out.push('ン');
                    i += 1;
                    continue;
                }
                Some('n') => {
                    out.push('ン');
                    i += 2;
                    continue;
                }
                Some(n) if !is_vowel(n) && n != 'y' => {
                    out.push('ン');
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        let mut matched = false;
        for len in (1..=3).rev() {
            if i + len > w.len() {
                continue;
            }
            let syllable: String = w[i..i + len].iter().collect();
            if let Some(kana) = syllable_kana(&syllable) {
                out.push_str(kana);
                i += len;
                matched = true;
                break;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(out)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'i' | 'u' | 'e' | 'o')
}

fn syllable_kana(s: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("a", "ア"),
        ("i", "イ"),
        ("u", "ウ"),
        ("e", "エ"),
        ("o", "オ"),
        ("ka", "カ"),
        ("ki", "キ"),
        ("ku", "ク"),
        ("ke", "ケ"),
        ("ko", "コ"),
        ("ga", "ガ"),
        ("gi", "ギ"),
        ("gu", "グ"),
        ("ge", "ゲ"),
        ("go", "ゴ"),
        ("sa", "サ"),
        ("si", "シ"),
        ("shi", "シ"),
        ("su", "ス"),
        ("se", "セ"),
        ("so", "ソ"),
        ("za", "ザ"),
        ("zi", "ジ"),
        ("ji", "ジ"),
        ("zu", "ズ"),
        ("ze", "ゼ"),
        ("zo", "ゾ"),
        ("ta", "タ"),
        ("ti", "チ"),
        ("chi", "チ"),
        ("tu", "ツ"),
        ("tsu", "ツ"),
        ("te", "テ"),
        ("to", "ト"),
        ("da", "ダ"),
        ("di", "ヂ"),
        ("du", "ヅ"),
        ("de", "デ"),
        ("do", "ド"),
        ("na", "ナ"),
        ("ni", "ニ"),
        ("nu", "ヌ"),
        ("ne", "ネ"),
        ("no", "ノ"),
        ("ha", "ハ"),
        ("hi", "ヒ"),
        ("hu", "フ"),
        ("fu", "フ"),
        ("he", "ヘ"),
        ("ho", "ホ"),
        ("ba", "バ"),
        ("bi", "ビ"),
        ("bu", "ブ"),
        ("be", "ベ"),
        ("bo", "ボ"),
        ("pa", "パ"),
        ("pi", "ピ"),
        ("pu", "プ"),
        ("pe", "ペ"),
        ("po", "ポ"),
        ("ma", "マ"),
        ("mi", "ミ"),
        ("mu", "ム"),
        ("me", "メ"),
        ("mo", "モ"),
        ("ya", "ヤ"),
        ("yu", "ユ"),
        ("yo", "ヨ"),
        ("ra", "ラ"),
        ("ri", "リ"),
        ("ru", "ル"),
        ("re", "レ"),
        ("ro", "ロ"),
        ("la", "ラ"),
        ("li", "リ"),
        ("lu", "ル"),
        ("le", "レ"),
        ("lo", "ロ"),
        ("wa", "ワ"),
        ("wo", "ヲ"),
        ("n", "ン"),
        ("kya", "キャ"),
        ("kyu", "キュ"),
        ("kyo", "キョ"),
        ("gya", "ギャ"),
        ("gyu", "ギュ"),
        ("gyo", "ギョ"),
        ("sha", "シャ"),
        ("shu", "シュ"),
        ("sho", "ショ"),
        ("she", "シェ"),
        ("sya", "シャ"),
        ("syu", "シュ"),
        ("syo", "ショ"),
        ("ja", "ジャ"),
        ("ju", "ジュ"),
        ("jo", "ジョ"),
        ("je", "ジェ"),
        ("zya", "ジャ"),
        ("zyu", "ジュ"),
        ("zyo", "ジョ"),
        ("jya", "ジャ"),
        ("jyu", "ジュ"),
        ("jyo", "ジョ"),
        ("cha", "チャ"),
        ("chu", "チュ"),
        ("cho", "チョ"),
        ("che", "チェ"),
        ("tya", "チャ"),
        ("tyu", "チュ"),
        ("tyo", "チョ"),
        ("nya", "ニャ"),
        ("nyu", "ニュ"),
        ("nyo", "ニョ"),
        ("hya", "ヒャ"),
        ("hyu", "ヒュ"),
        ("hyo", "ヒョ"),
        ("bya", "ビャ"),
        ("byu", "ビュ"),
        ("byo", "ビョ"),
        ("pya", "ピャ"),
        ("pyu", "ピュ"),
        ("pyo", "ピョ"),
        ("mya", "ミャ"),
        ("myu", "ミュ"),
        ("myo", "ミョ"),
        ("rya", "リャ"),
        ("ryu", "リュ"),
        ("ryo", "リョ"),
        ("fa", "ファ"),
        ("fi", "フィ"),
        ("fe", "フェ"),
        ("fo", "フォ"),
        ("ti", "ティ"),
        ("di", "ディ"),
        ("vu", "ヴ"),
        ("va", "ヴァ"),
    ];
    TABLE.iter().find(|(r, _)| *r == s).map(|(_, k)| *k)
}

/// An acronym read letter by letter, as the dictionary reads 「生成AI」 (セイセイエーアイ):
/// 「ai」 → エーアイ, 「gis」 → ジーアイエス.
pub fn spell_out(word: &str) -> Option<String> {
    const LETTERS: [&str; 26] = [
        "エー",
        "ビー",
        "シー",
        "ディー",
        "イー",
        "エフ",
        "ジー",
        "エイチ",
        "アイ",
        "ジェー",
        "ケー",
        "エル",
        "エム",
        "エヌ",
        "オー",
        "ピー",
        "キュー",
        "アール",
        "エス",
        "ティー",
        "ユー",
        "ブイ",
        "ダブリュー",
        "エックス",
        "ワイ",
        "ゼット",
    ];
    word.chars()
        .map(|c| c.is_ascii_alphabetic().then(|| LETTERS[(c.to_ascii_lowercase() as u8 - b'a') as usize]))
        .collect::<Option<Vec<&str>>>()
        .map(|v| v.concat())
}

/// A question written in romaji as katakana, word by word (「saigai jouhou」 →
/// 「サイガイ ジョウホウ」), when every latin word reads as Japanese and there are at least two
/// such words; otherwise `None` (「AI」, 「eLTAX」 and 「LINE」 stay latin). Words in
/// `acronyms` (the plan's own: ai, dx, gis …) are spelt out letter by letter.
pub fn romaji_question_with(text: &str, acronyms: &[String]) -> Option<String> {
    let words: Vec<&str> = text.split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == '?').collect();
    let latin: Vec<&str> = words.iter().copied().filter(|w| !w.is_empty()).collect();
    if latin.len() < 2 || !latin.iter().all(|w| w.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'')) {
        return None;
    }
    let kana: Option<Vec<String>> = latin
        .iter()
        .map(|w| if acronyms.iter().any(|a| a.eq_ignore_ascii_case(w)) { spell_out(w) } else { romaji_to_katakana(w) })
        .collect();
    kana.map(|k| k.join(" "))
}

/// [`romaji_question_with`] and no acronyms.
pub fn romaji_question(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split(|c: char| c.is_whitespace() || c == ',' || c == '.' || c == '?').collect();
    let latin: Vec<&str> = words.iter().copied().filter(|w| !w.is_empty()).collect();
    if latin.len() < 2 || !latin.iter().all(|w| w.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'')) {
        return None;
    }
    let kana: Option<Vec<String>> = latin.iter().map(|w| romaji_to_katakana(w)).collect();
    kana.map(|k| k.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_vowels_and_kana_variants_fold_together() {
        assert_eq!(fold("ゆーばす"), fold("ユウバス"));
        assert_eq!(fold("コーヒー"), "コオヒイ");
        assert_eq!(fold("ちぢむ"), fold("チジム"));
    }

    #[test]
    fn unvoicing_removes_dakuten_and_handakuten() {
        assert_eq!(unvoice("カイゴ"), "カイコ");
        assert_eq!(unvoice("パブ"), "ハフ");
        assert_eq!(unvoice("ジドウ"), "シトウ");
    }

    #[test]
    fn romaji_reads_hepburn_and_kunrei() {
        assert_eq!(romaji_to_katakana("shisutemu").as_deref(), Some("システム"));
        assert_eq!(romaji_to_katakana("sisutemu").as_deref(), Some("システム"));
        assert_eq!(romaji_to_katakana("kyouyuu").as_deref(), Some("キョウユウ"));
        assert_eq!(romaji_to_katakana("jouhou").as_deref(), Some("ジョウホウ"));
        assert_eq!(romaji_to_katakana("shinsei").as_deref(), Some("シンセイ"));
        assert_eq!(romaji_to_katakana("kan'i").as_deref(), Some("カンイ"));
        assert_eq!(romaji_to_katakana("matcha").as_deref(), Some("マッチャ"));
        assert_eq!(romaji_to_katakana("nani").as_deref(), Some("ナニ"));
        assert_eq!(romaji_to_katakana("qwerty"), None);
    }

    #[test]
    fn acronyms_are_spelt_out() {
        assert_eq!(spell_out("ai").as_deref(), Some("エーアイ"));
        assert_eq!(romaji_question_with("seisei ai", &["ai".to_string()]).as_deref(), Some("セイセイ エーアイ"));
    }

    #[test]
    fn a_romaji_question_needs_two_japanese_words() {
        assert_eq!(romaji_question("jinji hyouka").as_deref(), Some("ジンジ ヒョウカ"));
        assert_eq!(romaji_question("eltax"), None);
        assert_eq!(romaji_question("ai"), None);
    }

    #[test]
    fn phonetic_questions_are_mostly_kana_or_latin() {
        assert!(is_phonetic("けんちくかくにん の でんししんせい"));
        assert!(is_phonetic("saigai jouhou"));
        assert!(!is_phonetic("建築確認の電子申請"));
    }
}
