//! The image manager (`pkg/kubelet/images/image_manager.go`): the image reference's check,
//! `shouldPullImage` by the
//! container's `imagePullPolicy` and the node's images, the pull events (`Pulling` at every
//! attempt), and the pull back-off (10 s doubling to 300 s; `ErrImagePull`, then
//! `ImagePullBackOff`). A retry after the back-off fails or succeeds in the instant it
//! begins.

use super::super::clock::{Millis, SECOND, ZERO};
use super::super::world::World;
use super::pod_workers::SYNC_RETRY;
use super::{event, go_duration, image_reference, PodRuntime, StartError, State, CONTAINER_START};

/// Image pull back-off: 10 s, doubling, at most 300 s.
pub const PULL_BACKOFF_START: Millis = Millis::secs(10);
pub const PULL_BACKOFF_MAX: Millis = Millis::secs(300);
/// How long `ErrImagePull` shows before the back-off's `ImagePullBackOff`.
pub const ERR_IMAGE_PULL_SHOWN: Millis = SECOND;

pub(crate) enum PullDecision {
    /// The container cannot start: an image that is not a valid reference
    /// (`InvalidImageName`), or `Never` and the image is not on the node
    /// (`ErrImageNeverPull`); the message is the event's and the waiting state's.
    Failed(StartError, String),
    /// Pull, taking this long.
    Pull(Millis),
    /// The image is on the node and the policy does not ask for a pull.
    Present,
}

pub(crate) fn present(world: &World, node: &str, image: &str) -> bool {
    world
        .kubelet
        .node_images
        .get(node)
        .is_some_and(|images| images.contains(image))
}

/// `EnsureImageExists`: the image reference is checked first (`applyDefaultImageTag`,
/// `InspectFailed`), then `shouldPullImage`; a pull records the `Pulling` event now. A first start's pull takes
/// 2 s (creating included) or the image's `slow-to-pull`; a restart's pull (policy
/// `Always`) takes only the `slow-to-pull` time.
pub(crate) fn decide(world: &mut World, rt: &PodRuntime, i: usize, first: bool) -> PullDecision {
    let c = &rt.containers[i];
    if let Err(message) = image_reference::check(&c.image) {
        event(world, &rt.name, "Warning", "InspectFailed", message.clone());
        return PullDecision::Failed(StartError::InvalidImageName, message);
    }
    let on_node = present(world, &rt.node, &c.image);
    let pull = match c.pull_policy.as_str() {
        "Never" if !on_node => {
            let message = never_pull_message(&c.image);
            event(
                world,
                &rt.name,
                "Warning",
                "ErrImageNeverPull",
                message.clone(),
            );
            return PullDecision::Failed(StartError::ErrImageNeverPull, message);
        }
        "Never" => false,
        "Always" => true,
        _ => !on_node,
    };
    if !pull {
        return PullDecision::Present;
    }
    let slow = world
        .kubelet
        .image_faults
        .get(&c.image)
        .and_then(|f| f.slow_to_pull);
    let took = match (slow, first) {
        (Some(d), _) => d,
        (None, true) => CONTAINER_START,
        (None, false) => ZERO,
    };
    pulling(world, rt, i);
    PullDecision::Pull(took)
}

/// A pull attempt begins: `Pulling`, recorded by `EnsureImageExists` at every attempt, the
/// retries after a back-off included.
pub(crate) fn pulling(world: &mut World, rt: &PodRuntime, i: usize) {
    let image = rt.containers[i].image.clone();
    event(
        world,
        &rt.name,
        "Normal",
        "Pulling",
        format!("Pulling image \"{image}\""),
    );
}

/// The image is there: `Pulled`, and the node keeps it.
pub(crate) fn pulled(world: &mut World, rt: &PodRuntime, i: usize, took: Option<Millis>) {
    let image = rt.containers[i].image.clone();
    let message = match took {
        Some(d) => {
            let d = go_duration(d);
            format!("Successfully pulled image \"{image}\" in {d} ({d} including waiting)")
        }
        // `EnsureImageExists` with KubeletEnsureSecretPulledImages (on by default since
        // v1.35): the kubelet also checked the pod may use the image it found.
        None => format!(
            "Container image \"{image}\" already present on machine and can be accessed by the pod"
        ),
    };
    event(world, &rt.name, "Normal", "Pulled", message);
    world
        .kubelet
        .node_images
        .entry(rt.node.clone())
        .or_default()
        .insert(image);
}

/// A pull failed: `ErrImagePull` now, `ImagePullBackOff` shortly after, another attempt
/// after the back-off.
pub(crate) fn pull_failed(world: &mut World, rt: &mut PodRuntime, i: usize) {
    let now = world.now;
    let c = &mut rt.containers[i];
    let backoff = c
        .pull_backoff
        .map(|b| (b * 2).min(PULL_BACKOFF_MAX))
        .unwrap_or(PULL_BACKOFF_START);
    c.pull_backoff = Some(backoff);
    let image = c.image.clone();
    // The CRI client's error is a gRPC status (`rpc error: code = NotFound desc = …`, as
    // `status.Error` prints it); containerd names the reference it normalized
    // (`docker.io/library/nginx:1`) and ends with the resolver's `<ref>: not found`. The
    // event prints the error (`Failed to pull image "<image>": %v`); `evalCRIPullErr` keeps
    // its whole text as the waiting message (no registry-unavailable or signature prefix).
    let reference = repo_tag(&image);
    let message = format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found"
    );
    c.state = State::PullFailed {
        message: message.clone(),
        backoff_shown: now + ERR_IMAGE_PULL_SHOWN,
        announced: false,
        retry: now + backoff,
    };
    event(
        world,
        &rt.name,
        "Warning",
        "Failed",
        format!("Failed to pull image \"{image}\": {message}"),
    );
    event(
        world,
        &rt.name,
        "Warning",
        "Failed",
        "Error: ErrImagePull".into(),
    );
}

/// The back-off shows: `ImagePullBackOff`.
pub(crate) fn announce_backoff(world: &mut World, rt: &mut PodRuntime, i: usize) {
    if let State::PullFailed { announced, .. } = &mut rt.containers[i].state {
        *announced = true;
    }
    let image = rt.containers[i].image.clone();
    event(
        world,
        &rt.name,
        "Normal",
        "BackOff",
        format!("Back-off pulling image \"{image}\""),
    );
    event(
        world,
        &rt.name,
        "Warning",
        "Failed",
        "Error: ImagePullBackOff".into(),
    );
}

/// `startContainer` gave up before the runtime made a container: `Failed` with
/// `Error: <reason>` (`kuberuntime_container.go`), and the pod worker's sync failed, so it
/// tries again after its back-off period (`backOffPeriod`, 10 s), when the image manager
/// looks again (and records its event again).
pub(crate) fn start_failed(
    world: &mut World,
    rt: &mut PodRuntime,
    i: usize,
    reason: StartError,
    message: String,
) {
    let retry = world.now + SYNC_RETRY;
    rt.containers[i].state = State::StartFailed {
        reason,
        message,
        retry,
    };
    event(
        world,
        &rt.name,
        "Warning",
        "Failed",
        format!("Error: {}", reason.reason()),
    );
}

fn never_pull_message(image: &str) -> String {
    format!("Container image \"{image}\" is not present with pull policy of Never")
}

/// The image a running container's status names: containerd's CRI reports the image's
/// first repository tag, the reference normalized as `reference.ParseNormalizedNamed` and
/// `TagNameOnly` make it (`nginx` → `docker.io/library/nginx:latest`, `me/app:1` →
/// `docker.io/me/app:1`; a registry host, `localhost` or a digest is kept).
pub(crate) fn repo_tag(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // The tag is after the last `:` that follows the last `/` (a registry's port is not).
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let (domain, path) = match repo.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (
                if first == "index.docker.io" {
                    "docker.io"
                } else {
                    first
                },
                rest,
            )
        }
        _ => ("docker.io", repo),
    };
    // `domain/[library/]path` then `@digest`, `:tag` or `:latest`, built in one buffer (a
    // running container's status names it on every status write).
    let library = domain == "docker.io" && !path.contains('/');
    let (sep, suffix) = match (tag, digest) {
        (_, Some(digest)) => ('@', digest),
        (Some(tag), None) => (':', tag),
        (None, None) => (':', "latest"),
    };
    let mut out = String::with_capacity(domain.len() + path.len() + suffix.len() + 10);
    out.push_str(domain);
    out.push('/');
    if library {
        out.push_str("library/");
    }
    out.push_str(path);
    out.push(sep);
    out.push_str(suffix);
    out
}

/// A running container's `imageID`: the repository's digest reference
/// (`docker.io/library/nginx@sha256:…`). A registry's digest is not knowable here, so scn's
/// is a hash of the normalized reference: the same image has the same ID everywhere, and
/// another tag another ID. A reference that names a digest keeps it.
pub(crate) fn image_id(image: &str) -> String {
    let normal = repo_tag(image);
    if normal.contains('@') {
        return normal;
    }
    let repo_end = normal.rfind(':').unwrap_or(normal.len());
    let mut id = String::with_capacity(repo_end + 8 + 64);
    id.push_str(&normal[..repo_end]);
    id.push_str("@sha256:");
    super::status::push_hex256(&mut id, normal.as_bytes());
    id
}

#[cfg(test)]
mod tests {
    use super::{image_id, repo_tag};

    #[test]
    fn repo_tags_are_normalized_as_containerd_reports_them() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.9.1", "docker.io/library/nginx:1.9.1"),
            ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
            ("docker.io/nginx:1", "docker.io/library/nginx:1"),
            ("index.docker.io/library/nginx", "docker.io/library/nginx:latest"),
            ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("localhost/app:2", "localhost/app:2"),
            ("example.com:443/team/app:v2", "example.com:443/team/app:v2"),
            (
                "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "docker.io/library/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ),
        ];
        for (image, want) in cases {
            assert_eq!(repo_tag(image), want, "{image}");
        }
    }

    #[test]
    fn image_ids_are_digest_references_of_the_repository() {
        let id = image_id("nginx:1.9.1");
        let digest = id.strip_prefix("docker.io/library/nginx@sha256:").unwrap();
        assert_eq!(digest.len(), 64);
        assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
        // The same image is the same ID however it is spelled; another tag, another ID.
        assert_eq!(id, image_id("docker.io/library/nginx:1.9.1"));
        assert_ne!(id, image_id("nginx:1.10"));
        let pinned = "registry.k8s.io/pause@sha256:aa";
        assert_eq!(image_id(pinned), pinned);
    }
}
