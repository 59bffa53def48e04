//! `kubectl rollout status statefulset/NAME`: the text it prints now, as kubectl's
//! `StatefulSetStatusViewer` computes it (B-UPD-11); and `deployment/NAME`, as
//! `DeploymentStatusViewer` does (B-DEPLOY-10).

use k8s_openapi::api::apps::v1::StatefulSet;

/// The message, and whether kubectl would consider the rollout done. `Err` is the error
/// kubectl prints (OnDelete).
pub fn status(set: &StatefulSet) -> Result<(String, bool), String> {
    let spec = set.spec.clone().unwrap_or_default();
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    if strategy.type_.as_deref().unwrap_or("RollingUpdate") != "RollingUpdate" {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let status = set.status.clone().unwrap_or_default();
    let generation = set.metadata.generation.unwrap_or(0);
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || generation > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...".into(),
            false,
        ));
    }
    let replicas = spec.replicas.unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    if ready < replicas {
        return Ok((
            format!("Waiting for {} pods to be ready...", replicas - ready),
            false,
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if let Some(rolling) = strategy.rolling_update.as_ref() {
        if let Some(partition) = rolling.partition {
            if updated < replicas - partition {
                return Ok((
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                        replicas - partition
                    ),
                    false,
                ));
            }
            return Ok((
                format!("partitioned roll out complete: {updated} new pods have been updated..."),
                true,
            ));
        }
    }
    let update_revision = status.update_revision.clone().unwrap_or_default();
    if status.update_revision != status.current_revision {
        return Ok((
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."),
            false,
        ));
    }
    let current = status.current_replicas.unwrap_or(0);
    Ok((
        format!(
            "statefulset rolling update complete {current} pods at revision {update_revision}..."
        ),
        true,
    ))
}

/// `kubectl rollout status daemonset/NAME`: `DaemonSetStatusViewer` (B-DS-10). `Err` is
/// the error kubectl prints (OnDelete).
pub fn daemonset_status(
    ds: &k8s_openapi::api::apps::v1::DaemonSet,
) -> Result<(String, bool), String> {
    let spec = ds.spec.clone().unwrap_or_default();
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    if strategy.type_.as_deref() != Some("RollingUpdate") {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let name = ds.metadata.name.clone().unwrap_or_default();
    let status = ds.status.clone().unwrap_or_default();
    let generation = ds.metadata.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return Ok((
            "Waiting for daemon set spec update to be observed...".into(),
            false,
        ));
    }
    let desired = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    if updated < desired {
        return Ok((
            format!("Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."),
            false,
        ));
    }
    let available = status.number_available.unwrap_or(0);
    if available < desired {
        return Ok((
            format!("Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."),
            false,
        ));
    }
    Ok((format!("daemon set {name:?} successfully rolled out"), true))
}

/// `kubectl rollout status deployment/NAME`, as kubectl's `DeploymentStatusViewer`
/// computes it: the message and whether the rollout is done; `Err` is the error kubectl
/// prints (a rollout past its progress deadline).
pub fn deployment_status(
    d: &k8s_openapi::api::apps::v1::Deployment,
) -> Result<(String, bool), String> {
    let name = d.metadata.name.as_deref().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let generation = d.metadata.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return Ok((
            "Waiting for deployment spec update to be observed...".into(),
            false,
        ));
    }
    let timed_out = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if timed_out {
        return Err(format!(
            "deployment \"{name}\" exceeded its progress deadline"
        ));
    }
    let replicas = d.spec.as_ref().and_then(|s| s.replicas);
    let updated = status.updated_replicas.unwrap_or(0);
    let total = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if let Some(replicas) = replicas.filter(|r| updated < *r) {
        return Ok((
            format!("Waiting for deployment \"{name}\" rollout to finish: {updated} out of {replicas} new replicas have been updated..."),
            false,
        ));
    }
    if total > updated {
        return Ok((
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...",
                total - updated
            ),
            false,
        ));
    }
    if available < updated {
        return Ok((
            format!("Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available..."),
            false,
        ));
    }
    Ok((
        format!("deployment \"{name}\" successfully rolled out"),
        true,
    ))
}
