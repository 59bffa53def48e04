//! Field errors as the Kubernetes API server reports them (`k8s.io/apimachinery/pkg/util/validation/field`).

use std::fmt;

/// One validation error on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field path, e.g. `spec.template.spec.containers[0].image`.
    pub path: String,
    pub kind: FieldErrorKind,
}

/// The error types of `field.ErrorType`. `value` strings are already rendered (strings quoted,
/// integers bare, Go structures as `%#v`); see [`quote`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorKind {
    Required {
        detail: String,
    },
    Invalid {
        value: String,
        detail: String,
    },
    Unsupported {
        value: String,
        supported: Vec<String>,
    },
    /// `field.NotSupported` of a structure: its value already rendered (JSON).
    UnsupportedRendered {
        value: String,
        supported: Vec<String>,
    },
    Forbidden {
        detail: String,
    },
    NotFound {
        value: String,
    },
    Duplicate {
        value: String,
    },
    /// A duplicate whose value is already rendered (a number, a structure), with an
    /// optional detail.
    DuplicateWithDetail {
        value: String,
        detail: String,
    },
    /// `field.TooMany`: a list longer than its limit.
    TooMany {
        actual: usize,
        max: usize,
    },
    /// `field.TooLong` of a size in bytes (an object's annotations together).
    TooLong {
        max: usize,
    },
}

/// Renders a string value as Go's `%q` does (close enough: JSON escaping).
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

impl FieldError {
    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Required {
                detail: detail.into(),
            },
        }
    }

    /// `value` is the already rendered value (use [`quote`] for strings).
    pub fn invalid(
        path: impl Into<String>,
        value: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Invalid {
                value: value.into(),
                detail: detail.into(),
            },
        }
    }

    /// Invalid string value (rendered quoted).
    pub fn invalid_str(path: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        Self::invalid(path, quote(value), detail)
    }

    /// `value` and `supported` are raw strings; they are quoted when printed.
    pub fn unsupported(path: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Unsupported {
                value: value.to_string(),
                supported: supported.iter().map(|s| s.to_string()).collect(),
            },
        }
    }

    /// Upstream's `if !supported.Has(value) { field.NotSupported(…) }`: the error when
    /// `value` is not one of `supported`, else none. The path is built only for an error.
    pub fn unless_supported<P: Into<String>>(
        value: &str,
        supported: &[&str],
        path: impl FnOnce() -> P,
    ) -> Option<Self> {
        (!supported.contains(&value)).then(|| Self::unsupported(path(), value, supported))
    }

    /// `field.TooMany`: `actual` items where at most `max` are allowed.
    pub fn too_many(path: impl Into<String>, actual: usize, max: usize) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::TooMany { actual, max },
        }
    }

    /// `field.TooLong`: more than `max` bytes.
    pub fn too_long(path: impl Into<String>, max: usize) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::TooLong { max },
        }
    }

    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Forbidden {
                detail: detail.into(),
            },
        }
    }

    /// `value` is a raw string; it is quoted when printed.
    pub fn not_found(path: impl Into<String>, value: &str) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::NotFound {
                value: value.to_string(),
            },
        }
    }

    /// `value` is a raw string; it is quoted when printed.
    pub fn duplicate(path: impl Into<String>, value: &str) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::Duplicate {
                value: value.to_string(),
            },
        }
    }

    /// A duplicate whose `value` is already rendered; `detail`, when not empty, follows it.
    pub fn duplicate_with_detail(
        path: impl Into<String>,
        value: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            path: path.into(),
            kind: FieldErrorKind::DuplicateWithDetail {
                value: value.into(),
                detail: detail.into(),
            },
        }
    }

    /// The detail text (what follows the value), empty for types without one.
    pub fn detail(&self) -> &str {
        match &self.kind {
            FieldErrorKind::Required { detail }
            | FieldErrorKind::Invalid { detail, .. }
            | FieldErrorKind::Forbidden { detail }
            | FieldErrorKind::DuplicateWithDetail { detail, .. } => detail,
            _ => "",
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path)?;
        match &self.kind {
            FieldErrorKind::Required { detail } => {
                f.write_str("Required value")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
            }
            FieldErrorKind::Invalid { value, detail } => {
                write!(f, "Invalid value: {value}")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
            }
            FieldErrorKind::UnsupportedRendered { value, supported } => {
                write!(f, "Unsupported value: {value}")?;
                if !supported.is_empty() {
                    let list: Vec<String> = supported.iter().map(|s| quote(s)).collect();
                    write!(f, ": supported values: {}", list.join(", "))?;
                }
            }
            FieldErrorKind::Unsupported { value, supported } => {
                write!(f, "Unsupported value: {}", quote(value))?;
                if !supported.is_empty() {
                    let list: Vec<String> = supported.iter().map(|s| quote(s)).collect();
                    write!(f, ": supported values: {}", list.join(", "))?;
                }
            }
            FieldErrorKind::Forbidden { detail } => {
                f.write_str("Forbidden")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
            }
            FieldErrorKind::NotFound { value } => write!(f, "Not found: {}", quote(value))?,
            FieldErrorKind::Duplicate { value } => write!(f, "Duplicate value: {}", quote(value))?,
            FieldErrorKind::DuplicateWithDetail { value, detail } => {
                write!(f, "Duplicate value: {value}")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
            }
            FieldErrorKind::TooMany { actual, max } => {
                let items = if *max == 1 { "item" } else { "items" };
                write!(f, "Too many: {actual}: must have at most {max} {items}")?
            }
            FieldErrorKind::TooLong { max } => {
                write!(f, "Too long: may not be more than {max} bytes")?
            }
        }
        Ok(())
    }
}

/// The text of apimachinery's error aggregate (`ErrorList.ToAggregate().Error()`): one error
/// alone, several as `[a, b]`, repeats dropped.
pub fn aggregate(errors: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        if !seen.contains(&e.as_str()) {
            seen.push(e);
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// `The <Kind> "<name>" is invalid: <aggregate>`: the API server's message for an invalid
/// object of the core group (`Pod "web-0" is invalid: …`) after kubectl's "The ". The
/// controllers drop the "The " to quote the server; kubectl itself prints an invalid
/// object's causes one per line (`ApiError`'s `Display`).
pub fn invalid_object_message(kind: &str, name: &str, errors: &[FieldError]) -> String {
    let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!(
        "The {kind} {} is invalid: {}",
        quote(name),
        aggregate(&texts)
    )
}
