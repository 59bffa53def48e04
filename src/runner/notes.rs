//! One-line notes under a failure's diff, where a common misunderstanding is likely: a
//! count the API omits when it is zero, a list compared with a single value, texts that
//! differ only in blanks, line ends or case, and a pod
//! that waits because the cluster recorded a Warning event about it (FailedScheduling) or
//! about its StatefulSet (FailedCreate).

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::events::Event;
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil;
use crate::sim::World;

/// At most this many event notes: the first ones explain the rest.
const MAX_EVENT_NOTES: usize = 3;

/// Notes for a comparison whose expected and actual sides are `expected` and `actual`, as
/// the diff shows them (one element per line for lists).
pub fn for_values(expected: &str, actual: &str) -> Vec<String> {
    let mut notes = Vec::new();
    // A list shows as `[]` or `[` on a line of its own (`Answer::lines`); `absent` and
    // `nxdomain` are neither lists nor values.
    let is_list = |s: &str| s == "[]\n" || s.starts_with("[\n");
    let is_keyword = |s: &str| matches!(s.trim_end(), "absent" | "nxdomain");
    if expected.trim_end() == "0" && actual.trim_end() == "absent" {
        notes.push(
            "the API omits a count that is zero (`updatedReplicas`, `readyReplicas`, ...): \
             a zero count reads as `absent`; expect `== absent`, or await the count you want"
                .into(),
        );
    }
    if is_list(expected) != is_list(actual) && !is_keyword(expected) && !is_keyword(actual) {
        let (list, single) = if is_list(actual) {
            (
                "the query answers a list",
                "the expected value is a single value",
            )
        } else {
            (
                "the expected value is a list",
                "the query answers a single value",
            )
        };
        notes.push(format!(
            "{list} and {single}: a list never equals a single value \
             (`dns()` answers a set of IPs: write `== [ip(pod/web-0)]`, or use `contains`)"
        ));
    }
    // Differences a diff shows poorly: an empty `-` line, or a word that looks the same.
    if expected != actual {
        let squeezed = |s: &str| s.split_whitespace().collect::<String>();
        if expected.trim() == actual.trim() {
            notes.push(
                "the texts differ only in blanks or line ends at their start or end \
                 (`\\n` in a string is a line end): compare the text without them"
                    .into(),
            );
        } else if squeezed(expected) == squeezed(actual) {
            notes.push("the texts differ only in blanks or line ends inside them".into());
        } else if expected.to_lowercase() == actual.to_lowercase() {
            notes.push(
                "the texts differ only in upper and lower case: comparison is case-sensitive \
                 (`Running`, not `running`)"
                    .into(),
            );
        }
    }
    notes
}

/// A note for a refusal whose cause is how YAML typed a value: a string field given a
/// boolean (an unquoted `yes`, `on`, `y`: kubectl reads YAML 1.1) or a number. The refusal
/// is kubectl's text; the note says what to write instead.
pub fn for_refusal(message: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let into_string = |what: &str| {
        message.lines().any(|line| {
            line.contains(&format!(
                "json: cannot unmarshal {what} into Go struct field"
            )) && line.trim_end().ends_with("of type string")
        })
    };
    if into_string("bool") {
        notes.push(
            "YAML reads an unquoted yes, no, on, off, y, n, true or false as a boolean \
             (kubectl reads YAML 1.1): quote the value, `\"yes\"`, to make it a string"
                .into(),
        );
    }
    if into_string("number") {
        notes.push(
            "YAML reads an unquoted number as a number: quote it, `\"80\"`, to make it a \
             string"
                .into(),
        );
    }
    notes
}

/// Warning events that explain why pods named in `text` (or their StatefulSets) wait:
/// the latest Warning about each such pod that is not Running and Ready, and the latest
/// Warning about a StatefulSet whose newest event is a Warning (it is still failing).
/// The cost is bounded: a few candidates, one backward pass over the event log each way.
pub fn for_waiting_pods(world: &World, text: &str) -> Vec<String> {
    const CANDIDATES: usize = 20;
    let words: BTreeSet<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '/'))
        .filter(|w| !w.is_empty())
        .map(|w| w.strip_prefix("pod/").unwrap_or(w))
        .map(|w| w.strip_prefix("statefulset/").unwrap_or(w))
        .collect();
    let pods: Vec<&str> = words
        .iter()
        .filter(|w| {
            world
                .store
                .pods()
                .get(**w)
                .is_some_and(|p| !podutil::is_running_and_ready(p))
        })
        .copied()
        .take(CANDIDATES)
        .collect();
    let sets: Vec<&str> = world
        .store
        .statefulsets()
        .keys()
        .filter(|set| {
            words.contains(set.as_str())
                || words.iter().any(|w| {
                    w.strip_prefix(set.as_str())
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|ordinal| ordinal.parse::<u64>().is_ok())
                })
        })
        .map(String::as_str)
        .take(CANDIDATES)
        .collect();
    let mut pod_events: BTreeMap<&str, Event> = BTreeMap::new();
    let mut set_events: BTreeMap<&str, Event> = BTreeMap::new();
    for event in world.events.iter().rev() {
        if pod_events.len() == pods.len() && set_events.len() == sets.len() {
            break;
        }
        match &event.kind {
            ObjectKind::Pod if event.type_ == "Warning" => {
                if let Some(pod) = pods.iter().find(|p| **p == event.name) {
                    pod_events.entry(pod).or_insert(event);
                }
            }
            ObjectKind::StatefulSet => {
                if let Some(set) = sets.iter().find(|s| **s == event.name) {
                    // The newest event decides: a Normal one means it recovered.
                    set_events.entry(set).or_insert(event);
                }
            }
            _ => {}
        }
    }
    let mut notes: Vec<String> = pod_events
        .iter()
        .map(|(name, event)| {
            format!(
                "pod/{name} waits: the cluster recorded Warning {}: {}",
                event.reason, event.message
            )
        })
        .collect();
    notes.extend(
        set_events
            .iter()
            .filter(|(_, event)| event.type_ == "Warning")
            .map(|(name, event)| {
                format!(
                    "statefulset/{name} is failing: the cluster recorded Warning {}: {}",
                    event.reason, event.message
                )
            }),
    );
    notes.truncate(MAX_EVENT_NOTES);
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_count_against_absent_gets_a_note() {
        let notes = for_values("0\n", "absent\n");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("omits a count that is zero"));
        assert!(for_values("1\n", "absent\n").is_empty());
    }

    #[test]
    fn blanks_and_case_get_a_note() {
        let notes = for_values("done...\n\n", "done...\n");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("only in blanks or line ends at their start or end"));
        let notes = for_values("[\n  a b,\n]\n", "[\n  a  b,\n]\n");
        assert!(
            notes[0].contains("only in blanks or line ends inside"),
            "{notes:?}"
        );
        let notes = for_values("running\n", "Running\n");
        assert!(notes[0].contains("case-sensitive"), "{notes:?}");
        assert!(for_values("a\n", "b\n").is_empty());
    }

    #[test]
    fn a_list_against_a_scalar_gets_a_note() {
        let notes = for_values("10.244.1.2\n", "[\n  10.244.1.2,\n]\n");
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("the query answers a list"),
            "{notes:?}"
        );
        assert!(for_values("[\n  a,\n]\n", "[\n  b,\n]\n").is_empty());
        assert!(for_values("[\n  a,\n]\n", "absent\n").is_empty());
        assert!(for_values("absent\n", "[\n  a,\n]\n").is_empty());
        assert!(for_values("[x]\n", "[y]\n").is_empty(), "texts, not lists");
        assert_eq!(for_values("a\n", "[]\n").len(), 1);
    }
}
