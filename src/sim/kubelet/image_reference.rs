//! Image references as the kubelet parses them before it looks for an image
//! (`applyDefaultImageTag` in `pkg/kubelet/images/image_manager.go`, through
//! `pkg/util/parsers.ParseImageName` and the vendored `github.com/distribution/reference`
//! with `github.com/opencontainers/go-digest`).
//!
//! The API server takes any image that has no blanks around it; a name the reference
//! grammar refuses (`Nginx:1`, `https://registry/app:1`, `app:1:2`) fails in the kubelet,
//! at every attempt to start the container: `InvalidImageName`, with the message this
//! module builds.

use regex_lite::Regex;
use std::cell::RefCell;
use std::sync::LazyLock;

// The grammar of `distribution/reference`'s regexp.go, composed the same way.
const ALPHANUMERIC: &str = "[a-z0-9]+";
const SEPARATOR: &str = "(?:[._]|__|[-]+)";
const DOMAIN_NAME_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const OPTIONAL_PORT: &str = "(?::[0-9]+)?";
const TAG: &str = r"[\w][\w.-]{0,127}";
const DIGEST: &str = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
const IPV6_ADDRESS: &str = r"\[(?:[a-fA-F0-9:]+)\]";

/// `anchored(capture(namePat), optional(":", capture(tag)), optional("@", capture(digest)))`.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let domain_name = format!(r"{DOMAIN_NAME_COMPONENT}(?:\.{DOMAIN_NAME_COMPONENT})*");
    let host = format!("(?:{domain_name}|{IPV6_ADDRESS})");
    let domain_and_port = format!("{host}{OPTIONAL_PORT}");
    let path_component = format!("{ALPHANUMERIC}(?:{SEPARATOR}{ALPHANUMERIC})*");
    let remote_name = format!("{path_component}(?:/{path_component})*");
    let name = format!("(?:{domain_and_port}/)?{remote_name}");
    let pattern = format!("^({name})(?::({TAG}))?(?:@({DIGEST}))?$");
    Regex::new(&pattern).expect("the reference grammar compiles")
});

/// `anchoredIdentifierRegexp`: a bare 64-hex-digit image ID.
static IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[a-f0-9]{64}$").expect("the identifier pattern compiles"));

/// `RepositoryNameTotalLengthMax`.
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// How many images' answers each thread remembers (a cluster's pods use a handful).
const REMEMBERED: usize = 32;

thread_local! {
    /// The last answers of `check`, a pure function of the image: a container start of the
    /// thousandth replica costs a string comparison, not a run of the grammar.
    static ANSWERS: RefCell<Vec<(String, Result<(), String>)>> = const { RefCell::new(Vec::new()) };
}

/// `EnsureImageExists`'s check: `Ok` for an image the kubelet can look for, else the
/// message of the `InspectFailed` event and of the container's `InvalidImageName` state.
pub(crate) fn check(image: &str) -> Result<(), String> {
    if let Some(answer) = ANSWERS.with_borrow(|answers| {
        answers
            .iter()
            .find(|(known, _)| known == image)
            .map(|(_, answer)| answer.clone())
    }) {
        return answer;
    }
    let answer = parse_normalized_named(image).map_err(|err| {
        format!(
            "Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": {err}"
        )
    });
    ANSWERS.with_borrow_mut(|answers| {
        if answers.len() >= REMEMBERED {
            answers.drain(..1);
        }
        answers.push((image.to_string(), answer.clone()));
    });
    answer
}

/// `reference.ParseNormalizedNamed`.
fn parse_normalized_named(s: &str) -> Result<(), String> {
    if IDENTIFIER.is_match(s) {
        return Err(format!(
            "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
        ));
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote = remainder.split(':').next().unwrap_or_default();
    if remote.to_lowercase() != remote {
        return Err(format!(
            "invalid reference format: repository name ({remote}) must be lowercase"
        ));
    }
    parse(&format!("{domain}/{remainder}"))
}

/// `splitDockerDomain`: a first path element is a registry when it is `localhost`, holds a
/// `.` or a `:`, or has an upper-case letter; otherwise the image is on Docker Hub, and a
/// one-element name is an official image (`library/`).
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return ("docker.io", format!("library/{name}"));
    };
    let (domain, remote) = if maybe_domain == "localhost"
        || maybe_domain.contains(['.', ':'])
        || maybe_domain.to_lowercase() != maybe_domain
    {
        let domain = if maybe_domain == "index.docker.io" {
            "docker.io"
        } else {
            maybe_domain
        };
        (domain, maybe_remote)
    } else {
        ("docker.io", name)
    };
    if domain == "docker.io" && !remote.contains('/') {
        (domain, format!("library/{remote}"))
    } else {
        (domain, remote.to_string())
    }
}

/// `reference.Parse` (only its errors matter here).
fn parse(s: &str) -> Result<(), String> {
    const INVALID_FORMAT: &str = "invalid reference format";
    let Some(captures) = REFERENCE.captures(s) else {
        let lower = s.to_lowercase();
        if lower != s && REFERENCE.is_match(&lower) {
            return Err("repository name must be lowercase".into());
        }
        return Err(INVALID_FORMAT.into());
    };
    let name = captures.get(1).map_or("", |m| m.as_str());
    // `anchoredNameRegexp` splits the domain off the path; the path is what is limited.
    let path = match name.split_once('/') {
        Some((first, rest)) if REFERENCE_DOMAIN.is_match(first) => rest,
        _ => name,
    };
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(format!(
            "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        ));
    }
    match captures.get(3) {
        Some(digest) => validate_digest(digest.as_str()),
        None => Ok(()),
    }
}

/// A whole-string `domainAndPort`.
static REFERENCE_DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    let domain_name = format!(r"{DOMAIN_NAME_COMPONENT}(?:\.{DOMAIN_NAME_COMPONENT})*");
    Regex::new(&format!(
        "^(?:{domain_name}|{IPV6_ADDRESS}){OPTIONAL_PORT}$"
    ))
    .expect("the domain pattern compiles")
});

/// go-digest's `Digest.Validate`, with the algorithms the kubelet registers (sha256,
/// sha384 and sha512).
fn validate_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return Err("invalid checksum digest format".into());
    };
    let size = match algorithm {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => return Err("unsupported digest algorithm".into()),
    };
    if encoded.len() != size * 2 {
        return Err("invalid checksum digest length".into());
    }
    if !encoded
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err("invalid checksum digest format".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    fn err(image: &str) -> String {
        let message = check(image).expect_err(image);
        let prefix = format!(
            "Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": "
        );
        message
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{message}"))
            .to_string()
    }

    /// Names the reference grammar takes, from `distribution/reference`'s normalize and
    /// reference tests and the shapes manifests use.
    #[test]
    fn valid_references() {
        for image in [
            "nginx",
            "nginx:1.25",
            "registry.k8s.io/nginx-slim:0.24",
            "gcr.io/google_samples/k8szk:v3",
            "localhost:5000/app",
            "localhost/app:1",
            "my.registry:5000/team/app:v1.2.3-rc_1",
            "[::1]:5000/app:1",
            "busybox@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
            "busybox:1@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
            "a__b/c--d/e.f:TAG_upper",
            "Registry.Example.com/app:1",
        ] {
            assert_eq!(check(image), Ok(()), "{image}");
        }
    }

    /// The errors and their texts (`ParseNormalizedNamed`, `Parse`, go-digest).
    #[test]
    fn invalid_references_and_their_errors() {
        let cases = [
            (
                "Nginx:1",
                "invalid reference format: repository name (library/Nginx) must be lowercase",
            ),
            (
                "myorg/MyApp",
                "invalid reference format: repository name (myorg/MyApp) must be lowercase",
            ),
            ("https://registry.example.com/app:1", "invalid reference format"),
            ("app:1:2", "invalid reference format"),
            ("app:-x", "invalid reference format"),
            ("app::1", "invalid reference format"),
            ("", "invalid reference format"),
            (
                "app@sha256:abcd0123abcd0123abcd0123abcd0123",
                "invalid checksum digest length",
            ),
            (
                "app@md5:abcd0123abcd0123abcd0123abcd0123",
                "unsupported digest algorithm",
            ),
            (
                "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
                "invalid repository name (7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa), cannot specify 64-byte hexadecimal strings",
            ),
        ];
        for (image, want) in cases {
            assert_eq!(err(image), want, "{image}");
        }
        let long = format!("team/{}", "a".repeat(251));
        assert_eq!(
            err(&long),
            "repository name must not be more than 255 characters"
        );
        // 255 exactly is fine.
        assert_eq!(check(&format!("team/{}", "a".repeat(250))), Ok(()));
    }

    /// The remembered answers are the grammar's: asked again (and after more distinct
    /// images than are remembered have pushed the first out), each image gets the same
    /// answer as the first time.
    #[test]
    fn remembered_answers_are_the_grammars() {
        let images: Vec<String> = (0..super::REMEMBERED + 8)
            .map(|i| {
                if i % 2 == 0 {
                    format!("app{i}:1")
                } else {
                    format!("App{i}:1")
                }
            })
            .collect();
        let first: Vec<_> = images
            .iter()
            .map(|i| super::parse_normalized_named(i))
            .collect();
        for _ in 0..2 {
            for (image, want) in images.iter().zip(&first) {
                let got =
                    check(image).map_err(|m| m.rsplit(": ").next().unwrap_or_default().to_string());
                let want = want
                    .clone()
                    .map_err(|m| m.rsplit(": ").next().unwrap_or_default().to_string());
                assert_eq!(got, want, "{image}");
            }
        }
        assert!(check("App1:1").is_err() && check("app0:1").is_ok());
    }
}
