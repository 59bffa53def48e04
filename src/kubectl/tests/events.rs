//! Events as upstream's recorder stores them: aggregated, with a count.

use crate::kubectl::client;
use crate::sim::kinds::ObjectKind;
use crate::sim::{faults, Config, World};

#[test]
fn repeated_events_are_stored_once_with_a_count_and_listed_per_occurrence() {
    let mut w = World::new(Config::default()).expect("the default cluster builds");
    faults::make_image(&mut w, "nginx:broken", faults::ImageFault::Unpullable);
    let pod = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "nginx:broken"}]}
    });
    client::apply(&mut w, &pod, "test").expect("accepted");
    w.advance_to(crate::sim::clock::Millis::ms(100 * 3_600_000))
        .expect("no limit");
    let occurrences = w.events.about(&ObjectKind::Pod, "p").count();
    let stored: Vec<_> = w.events.aggregated(&ObjectKind::Pod, "p").collect();
    // A pull every 300 s for 100 h: over a thousand occurrences, a handful of Events.
    assert!(occurrences > 1000, "{occurrences}");
    assert!(stored.len() < 10, "{stored:#?}");
    let counted: u64 = stored.iter().map(|e| e.count).sum();
    assert_eq!(counted, occurrences as u64);
    let busiest = stored.iter().max_by_key(|e| e.count).expect("events");
    assert!(busiest.last > busiest.at, "{busiest:?}");
}
