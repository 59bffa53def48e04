//! The verdict of one expectation evaluated at one instant.

pub struct Check {
    pub ok: bool,
    pub expected: String,
    pub actual: String,
    pub message: String,
}
