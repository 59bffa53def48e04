//! The RuntimeClass admission plugin (upstream `plugin/pkg/admission/runtimeclass`). scn
//! serves no RuntimeClass kind, so the cluster holds no class: a pod naming one is refused
//! on create as upstream refuses a class its lookup cannot find (`prepareObjects`), and no
//! class ever adds an overhead or scheduling constraints.

use k8s_openapi::api::core::v1::Pod;

/// `Admit`'s `prepareObjects` on create (a mutating plugin, after Priority in
/// kube-apiserver's plugin order): the pod's `runtimeClassName` must name a stored
/// RuntimeClass, else `pod rejected: RuntimeClass "x" not found` (`Forbidden`). With no
/// class stored, every name is not found.
pub fn admit(pod: &Pod) -> Result<(), String> {
    match pod
        .spec
        .as_ref()
        .and_then(|s| s.runtime_class_name.as_deref())
    {
        Some(class) => Err(format!(
            "pod rejected: RuntimeClass {} not found",
            super::field_error::quote(class)
        )),
        None => Ok(()),
    }
}

/// `validateOverhead` on create: a pod may carry `spec.overhead` only as its RuntimeClass
/// defines it. With no `runtimeClassName` there is no class, so an overhead the client
/// wrote is refused (`Forbidden`). A pod naming a class never gets here: [`admit`]
/// refused it.
pub fn validate_overhead(pod: &Pod) -> Result<(), String> {
    let Some(spec) = pod.spec.as_ref() else {
        return Ok(());
    };
    if spec.runtime_class_name.is_none() && spec.overhead.is_some() {
        return Err(
            "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"
                .to_string(),
        );
    }
    Ok(())
}
