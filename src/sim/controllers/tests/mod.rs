//! Unit tests that drive several controllers through the API, as a user would.

mod informer;
mod garbage_collector;
