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
    let sent: Vec<_> = w.events.about(&ObjectKind::Pod, "p", w.now).collect();
    let stored: Vec<_> = w.events.aggregated(&ObjectKind::Pod, "p", w.now).collect();
    // A pull every 300 s for 100 h; the kubelet's spam filter lets 25 events about the pod
    // through at once, then one every 300 s: about 1200, a handful of Events.
    let kubelet: Vec<_> = sent.iter().filter(|e| e.reason != "Scheduled").collect();
    assert!(kubelet.len() > 1000, "{}", kubelet.len());
    assert!(kubelet.len() <= 25 + 100 * 12, "{}", kubelet.len());
    for pair in kubelet[25..].windows(2) {
        assert!(
            pair[1].at - pair[0].at >= crate::sim::clock::Millis::secs(300),
            "{pair:?}"
        );
    }
    assert!(stored.len() < 10, "{stored:#?}");
    // A count takes in the occurrences dropped before the last one sent.
    let counted: u64 = stored.iter().map(|e| e.count).sum();
    assert!(counted >= sent.len() as u64, "{counted} {}", sent.len());
    let busiest = stored.iter().max_by_key(|e| e.count).expect("events");
    assert!(busiest.last > busiest.at, "{busiest:?}");
}

#[test]
fn the_tenth_distinct_message_of_a_reason_is_combined() {
    use crate::sim::clock::Millis;
    use crate::sim::events::{Involved, Recorder};
    let mut log = crate::sim::events::EventLog::default();
    let at = |s: u64| Millis::secs(s);
    let involved = || Involved {
        kind: ObjectKind::StatefulSet,
        name: "web",
        uid: "u1",
    };
    for i in 0..12u64 {
        log.record(
            at(i),
            Recorder::STATEFULSET,
            involved(),
            "Normal",
            "SuccessfulCreate",
            format!("create Pod web-{i} in StatefulSet web successful"),
        );
    }
    let sent: Vec<_> = log
        .about(&ObjectKind::StatefulSet, "web", at(0))
        .map(|e| e.message)
        .collect();
    assert_eq!(sent[8], "create Pod web-8 in StatefulSet web successful");
    assert_eq!(
        sent[9],
        "(combined from similar events): create Pod web-9 in StatefulSet web successful"
    );
    // Stored: nine Events, and one combined Event counted three times with the last text.
    let stored: Vec<_> = log
        .aggregated(&ObjectKind::StatefulSet, "web", at(0))
        .collect();
    assert_eq!(stored.len(), 10);
    assert_eq!(stored[9].count, 3);
    assert_eq!(
        stored[9].message,
        "(combined from similar events): create Pod web-11 in StatefulSet web successful"
    );
    // Another incarnation (a new UID) starts afresh, as upstream keys by UID.
    log.record(
        at(20),
        Recorder::STATEFULSET,
        Involved {
            uid: "u2",
            ..involved()
        },
        "Normal",
        "SuccessfulCreate",
        "create Pod web-12 in StatefulSet web successful".into(),
    );
    // The scheduler's events.k8s.io recorder combines nothing.
    for i in 0..12u64 {
        log.record(
            at(30 + i),
            Recorder::SCHEDULER,
            Involved {
                kind: ObjectKind::Pod,
                name: "p",
                uid: "p1",
            },
            "Warning",
            "FailedScheduling",
            format!("0/{i} nodes are available"),
        );
    }
    let last = log
        .about(&ObjectKind::StatefulSet, "web", at(0))
        .last()
        .expect("sent");
    assert_eq!(
        last.message,
        "create Pod web-12 in StatefulSet web successful"
    );
    assert!(log
        .about(&ObjectKind::Pod, "p", at(0))
        .all(|e| !e.message.starts_with("(combined")));
}
