//! The RuntimeClass admission plugin (upstream `plugin/pkg/admission/runtimeclass`), the
//! part that needs no RuntimeClass object: scn serves no RuntimeClass kind, so a pod's
//! `runtimeClassName` is kept as written (with its "not simulated" warning) and no class
//! ever adds an overhead.

use k8s_openapi::api::core::v1::Pod;

/// `validateOverhead` on create: a pod may carry `spec.overhead` only as its RuntimeClass
/// defines it. With no `runtimeClassName` there is no class, so an overhead the client
/// wrote is refused (`Forbidden`). A pod naming a class is left alone: scn cannot look
/// the class up (upstream refuses a missing class, `RuntimeClass "x" not found`, and an
/// overhead that differs from the class's).
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
