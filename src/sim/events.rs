//! Kubernetes Events recorded by the components (`kubectl get events`).

use super::clock::Millis;
use super::kinds::ObjectKind;

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub at: Millis,
    pub kind: ObjectKind,
    pub name: String,
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct EventLog {
    pub events: Vec<Event>,
}

impl EventLog {
    pub fn record(
        &mut self,
        at: Millis,
        kind: ObjectKind,
        name: &str,
        type_: &'static str,
        reason: &str,
        message: String,
    ) {
        self.events.push(Event {
            at,
            kind,
            name: name.to_string(),
            type_,
            reason: reason.to_string(),
            message,
        });
    }

    /// Events about one object, oldest first.
    pub fn about<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Event> {
        self.events
            .iter()
            .filter(move |e| &e.kind == kind && e.name == name)
    }
}
