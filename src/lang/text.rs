//! Turning string and `"""` block source text into values.

use super::ast::Text;
use super::lines::LineIndex;

/// The content of a `"..."` token (quotes included in `raw`) with escapes resolved.
/// Unknown escapes were reported by the prescan; here they keep their character.
pub fn unescape(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(raw);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A `"..."` string as a `Text`; `start`/`end` are the token's bytes, quotes included.
pub fn string_text(raw: &str, start: usize, end: usize, lines: &LineIndex) -> Text {
    let origin = lines.span(start + 1, end.saturating_sub(1).max(start + 1));
    Text {
        text: unescape(raw),
        indent: origin.col - 1,
        origin,
        verbatim: false,
    }
}

/// A one-line block's content at `start..end`.
pub fn single_line_block(raw: &str, start: usize, end: usize, lines: &LineIndex) -> Text {
    let origin = lines.span(start, end);
    Text {
        text: raw.to_string(),
        indent: origin.col - 1,
        origin,
        verbatim: true,
    }
}

/// A multi-line block's body (whole lines, each with its newline) at `start..end`, with the
/// common indentation of spaces removed from every line.
pub fn multi_line_block(body: &str, start: usize, end: usize, lines: &LineIndex) -> Text {
    let rows: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let indent = rows
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut text = String::with_capacity(body.len());
    for row in &rows {
        // A blank line may be shorter than the indentation, or hold other blanks.
        let cut = row.len().min(indent);
        let cut = if row.is_char_boundary(cut) { cut } else { 0 };
        text.push_str(&row[cut..]);
        text.push('\n');
    }
    Text {
        text,
        origin: lines.span(start, end),
        indent: indent as u32,
        verbatim: true,
    }
}

/// Whether `c` would change how a terminal or a text report shows the text around it:
/// a C0 or C1 control character (line breaks, the escape that starts a colour or
/// clear-screen sequence), DEL, or a bidirectional mark, embedding, override or isolate
/// (U+202E shows the rest of a line reversed).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with each [`is_unsafe_char`] escaped (`\n`, `\t`, `\u{1b}`), for text a user
/// wrote (a scenario title, a folder name) on its way into a report or a terminal.
pub fn escape_control(text: &str) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedent_keeps_relative_indentation() {
        let body = "    a:\n      b: 1\n\n    c: 2\n";
        let idx = LineIndex::new(body);
        let t = multi_line_block(body, 0, body.len(), &idx);
        assert_eq!(t.text, "a:\n  b: 1\n\nc: 2\n");
        assert_eq!(t.indent, 4);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#""a\"b\\c\nd\te""#), "a\"b\\c\nd\te");
    }
}
