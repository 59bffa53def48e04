//! Security contexts, as `pkg/apis/core/validation` checks them: the pod's
//! (`validatePodSpecSecurityContext`) and a container's (`ValidateSecurityContext`): user
//! and group ids (`IsValidUserID`, `IsValidGroupID` of apimachinery's
//! `util/validation`), the seccomp profile (`validateSeccompProfileField`) and the
//! AppArmor profile (`ValidateAppArmorProfileField`). What scn does with the fields is
//! nothing (they are reported as not simulated); the API server refuses these values.

use k8s_openapi::api::core::v1::{
    AppArmorProfile, PodSecurityContext, SeccompProfile, SecurityContext,
};

use super::super::field_error::FieldError;
use super::pod::local_descending_path_errors;
use super::render::go_json;

/// `IsValidUserID` and `IsValidGroupID`: `InclusiveRangeError(0, math.MaxInt32)`.
const ID_RANGE_MSG: &str = "must be between 0 and 2147483647, inclusive";

fn id_errors(id: Option<i64>, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(id) = id.filter(|id| !(0..=i64::from(i32::MAX)).contains(id)) {
        errs.push(FieldError::invalid(path, id.to_string(), ID_RANGE_MSG));
    }
}

/// `validatePodSpecSecurityContext`: fsGroup, runAsUser, runAsGroup, each supplemental
/// group, the fsGroupChangePolicy, then the seccomp and AppArmor profiles.
pub(super) fn validate_pod_security_context(
    sc: Option<&PodSecurityContext>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(sc) = sc else {
        return errs;
    };
    id_errors(sc.fs_group, &format!("{path}.fsGroup"), &mut errs);
    id_errors(sc.run_as_user, &format!("{path}.runAsUser"), &mut errs);
    id_errors(sc.run_as_group, &format!("{path}.runAsGroup"), &mut errs);
    for (i, gid) in sc.supplemental_groups.iter().flatten().enumerate() {
        id_errors(
            Some(*gid),
            &format!("{path}.supplementalGroups[{i}]"),
            &mut errs,
        );
    }
    // `validateFSGroupChangePolicy` (a pointer: an empty string is a value, and refused).
    if let Some(policy) = sc.fs_group_change_policy.as_deref() {
        errs.extend(FieldError::unless_supported(
            policy,
            &["Always", "OnRootMismatch"],
            || format!("{path}.fsGroupChangePolicy"),
        ));
    }
    profile_errors(
        sc.seccomp_profile.as_ref(),
        sc.app_armor_profile.as_ref(),
        path,
        &mut errs,
    );
    errs
}

/// `ValidateSecurityContext` of a container: runAsUser, runAsGroup, then the seccomp and
/// AppArmor profiles.
pub(super) fn validate_container_security_context(
    sc: Option<&SecurityContext>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(sc) = sc else {
        return errs;
    };
    id_errors(sc.run_as_user, &format!("{path}.runAsUser"), &mut errs);
    id_errors(sc.run_as_group, &format!("{path}.runAsGroup"), &mut errs);
    profile_errors(
        sc.seccomp_profile.as_ref(),
        sc.app_armor_profile.as_ref(),
        path,
        &mut errs,
    );
    errs
}

/// The seccomp, then the AppArmor profile of a pod's or a container's security context.
fn profile_errors(
    seccomp: Option<&SeccompProfile>,
    app_armor: Option<&AppArmorProfile>,
    path: &str,
    errs: &mut Vec<FieldError>,
) {
    errs.extend(seccomp_profile_errors(
        seccomp,
        &format!("{path}.seccompProfile"),
    ));
    errs.extend(app_armor_profile_errors(
        app_armor,
        &format!("{path}.appArmorProfile"),
    ));
}

const PROFILE_TYPES: [&str; 3] = ["Localhost", "RuntimeDefault", "Unconfined"];

/// `validateSeccompProfileField`: a known type (`validateSeccompProfileType`), a
/// `localhostProfile` exactly when the type is `Localhost`, a relative path without `..`.
fn seccomp_profile_errors(sp: Option<&SeccompProfile>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(sp) = sp else {
        return errs;
    };
    match sp.type_.as_str() {
        "Localhost" | "RuntimeDefault" | "Unconfined" => {}
        "" => errs.push(FieldError::required(
            format!("{path}.type"),
            "type is required when seccompProfile is set",
        )),
        other => errs.push(FieldError::unsupported(
            format!("{path}.type"),
            other,
            &PROFILE_TYPES,
        )),
    }
    let localhost = format!("{path}.localhostProfile");
    if sp.type_ == "Localhost" {
        match sp.localhost_profile.as_deref() {
            None => errs.push(FieldError::required(
                localhost,
                "must be set when seccomp type is Localhost",
            )),
            Some(p) => errs.extend(local_descending_path_errors(p, &localhost)),
        }
    } else if sp.localhost_profile.is_some() {
        // The internal type's Go field names, as the value is rendered.
        let value = serde_json::json!({
            "Type": sp.type_,
            "LocalhostProfile": sp.localhost_profile,
        });
        errs.push(FieldError::invalid(
            localhost,
            go_json(&value),
            "can only be set when seccomp type is Localhost",
        ));
    }
    errs
}

/// `ValidateAppArmorProfileField`.
fn app_armor_profile_errors(p: Option<&AppArmorProfile>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(p) = p else {
        return errs;
    };
    let localhost = format!("{path}.localhostProfile");
    match p.type_.as_str() {
        "Localhost" => match p.localhost_profile.as_deref() {
            None => errs.push(FieldError::required(
                localhost,
                "must be set when AppArmor type is Localhost",
            )),
            Some(profile) => {
                if profile.trim() != profile {
                    errs.push(FieldError::invalid_str(
                        localhost.clone(),
                        profile,
                        "must not be padded with whitespace",
                    ));
                } else if profile.is_empty() {
                    errs.push(FieldError::required(
                        localhost.clone(),
                        "must be set when AppArmor type is Localhost",
                    ));
                }
                // `PATH_MAX - 1`.
                if profile.len() > 4095 {
                    errs.push(FieldError::too_long(localhost, 4095));
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if let Some(profile) = p.localhost_profile.as_deref() {
                errs.push(FieldError::invalid_str(
                    localhost,
                    profile,
                    "can only be set when AppArmor type is Localhost",
                ));
            }
        }
        "" => errs.push(FieldError::required(
            format!("{path}.type"),
            "type is required when appArmorProfile is set",
        )),
        other => errs.push(FieldError::unsupported(
            format!("{path}.type"),
            other,
            &PROFILE_TYPES,
        )),
    }
    errs
}
