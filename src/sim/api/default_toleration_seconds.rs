//! The DefaultTolerationSeconds admission plugin (upstream
//! `plugin/pkg/admission/defaulttolerationseconds`): every new pod that does not already
//! tolerate them gets `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable`
//! NoExecute tolerations for 300 s (B-TAINT-2). This is what lets a pod stay 300 s on a
//! node that stopped reporting before the taint manager deletes it.

use k8s_openapi::api::core::v1::{Pod, Toleration};

pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// `--default-not-ready-toleration-seconds` and `--default-unreachable-toleration-seconds`.
pub const DEFAULT_SECONDS: i64 = 300;

fn covers(t: &Toleration, key: &str) -> bool {
    let key_ok = t.key.as_deref().is_none_or(|k| k.is_empty() || k == key);
    let effect_ok = t
        .effect
        .as_deref()
        .is_none_or(|e| e.is_empty() || e == "NoExecute");
    key_ok && effect_ok
}

pub fn admit(pod: &mut Pod) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [NOT_READY, UNREACHABLE] {
        if !tolerations.iter().any(|t| covers(t, key)) {
            tolerations.push(Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(DEFAULT_SECONDS),
                value: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodSpec;

    #[test]
    fn adds_both_tolerations_unless_present() {
        let mut pod = Pod {
            spec: Some(PodSpec {
                tolerations: Some(vec![Toleration {
                    key: Some(UNREACHABLE.into()),
                    operator: Some("Exists".into()),
                    effect: Some("NoExecute".into()),
                    toleration_seconds: Some(10),
                    value: None,
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        admit(&mut pod);
        let t = pod.spec.unwrap().tolerations.unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].key.as_deref(), Some(NOT_READY));
        assert_eq!(t[1].toleration_seconds, Some(300));
        assert_eq!(t[0].toleration_seconds, Some(10));
    }
}
