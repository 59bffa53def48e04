//! Values a query answers with, and how expectations compare them (docs/language.md
//! "Comparison").

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A scalar, compared by its text (`3`, `"3"` and a field holding 3 are equal).
    Text(String),
    /// An ordered list.
    List(Vec<String>),
    /// A list whose order does not matter (`dns()`, `srv()`, `ptr()`).
    Set(Vec<String>),
    /// The field or object does not exist.
    Absent,
    /// The DNS name does not exist.
    NxDomain,
}

impl Answer {
    /// The answer as lines, for a diff: a list shows one element per line.
    pub fn lines(&self) -> String {
        match self {
            Answer::Text(text) => format!("{text}\n"),
            Answer::List(items) | Answer::Set(items) => {
                if items.is_empty() {
                    return "[]\n".into();
                }
                let mut items = items.clone();
                if matches!(self, Answer::Set(_)) {
                    items.sort();
                }
                let mut out = String::from("[\n");
                for item in items {
                    out.push_str(&format!("  {item},\n"));
                }
                out.push_str("]\n");
                out
            }
            Answer::Absent => "absent\n".into(),
            Answer::NxDomain => "nxdomain\n".into(),
        }
    }

    fn elements(&self) -> Option<Vec<String>> {
        match self {
            Answer::List(items) | Answer::Set(items) => Some(items.clone()),
            _ => None,
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Text(text) => f.write_str(text),
            Answer::List(items) | Answer::Set(items) => write!(f, "[{}]", items.join(", ")),
            Answer::Absent => f.write_str("absent"),
            Answer::NxDomain => f.write_str("nxdomain"),
        }
    }
}

/// `actual == expected`. A set on either side compares without order.
pub fn equal(actual: &Answer, expected: &Answer) -> bool {
    let unordered = matches!(actual, Answer::Set(_)) || matches!(expected, Answer::Set(_));
    match (actual.elements(), expected.elements()) {
        (Some(mut a), Some(mut e)) => {
            if unordered {
                a.sort();
                e.sort();
            }
            a == e
        }
        _ => match (actual, expected) {
            (Answer::Text(a), Answer::Text(e)) => a == e,
            (Answer::Absent, Answer::Absent) | (Answer::NxDomain, Answer::NxDomain) => true,
            _ => false,
        },
    }
}

/// `actual contains expected`: list membership, or a substring of a text.
pub fn contains(actual: &Answer, expected: &Answer) -> bool {
    match (actual, expected) {
        (Answer::List(items) | Answer::Set(items), Answer::Text(e)) => items.iter().any(|i| i == e),
        (Answer::List(items) | Answer::Set(items), Answer::List(es)) => {
            es.iter().all(|e| items.contains(e))
        }
        (Answer::Text(a), Answer::Text(e)) => a.contains(e.as_str()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Answer {
        Answer::List(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn lists_compare_in_order_sets_without() {
        assert!(equal(&list(&["a", "b"]), &list(&["a", "b"])));
        assert!(!equal(&list(&["b", "a"]), &list(&["a", "b"])));
        assert!(equal(
            &Answer::Set(vec!["b".into(), "a".into()]),
            &list(&["a", "b"])
        ));
    }

    #[test]
    fn absent_is_not_a_string() {
        assert!(!equal(&Answer::Absent, &Answer::Text("absent".into())));
        assert!(equal(&Answer::Absent, &Answer::Absent));
    }

    #[test]
    fn contains_means_membership_or_substring() {
        assert!(contains(
            &list(&["web-0", "web-1"]),
            &Answer::Text("web-1".into())
        ));
        assert!(!contains(&list(&["web-0"]), &Answer::Text("web".into())));
        assert!(contains(
            &Answer::Text("hello world".into()),
            &Answer::Text("lo w".into())
        ));
    }
}
