//! Unit tests that drive several controllers through the API, as a user would.

mod garbage_collector;
mod informer;
