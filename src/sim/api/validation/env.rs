//! A container's environment (`ValidateEnv`, `validateEnvVarValueFrom`,
//! `validateObjectFieldSelector`, `validateContainerResourceFieldSelector`,
//! `ValidateEnvFrom` in `pkg/apis/core/validation`): each variable's name, and where a
//! `valueFrom` reads its value: exactly one source, never together with `value`, a
//! downward API field the environment may read, a resource of the container.

use k8s_openapi::api::core::v1::{
    EnvFromSource, EnvVar, ObjectFieldSelector, ResourceFieldSelector,
};

use super::super::field_error::FieldError;
use super::names::{config_map_key_errors, dns1123_subdomain_errors, qualified_name_errors};

/// `IsRelaxedEnvVarName` (RelaxedEnvironmentVariableValidation is on).
const ENV_NAME_MSG: &str =
    "a valid environment variable name must consist only of printable ASCII characters other than '='";

/// The downward API fields an environment variable may read
/// (`validEnvDownwardAPIFieldPathExpressions`), sorted as `sets.List` gives them.
const ENV_FIELD_PATHS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// The resources a `resourceFieldRef` may name (`validContainerResourceFieldPathExpressions`),
/// sorted; hugepages are matched by prefix.
const RESOURCE_FIELD_PATHS: [&str; 6] = [
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// The field labels `ConvertDownwardAPIFieldLabel` (pkg/apis/core/pods/helpers.go) knows in
/// v1, besides `spec.host` (the old name of `spec.nodeName`).
const CONVERTIBLE_FIELD_LABELS: [&str; 14] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// `ValidateEnv` of a container's `env` at `path` (`spec.containers[0].env`).
pub(super) fn validate_env(vars: &[EnvVar], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, var) in vars.iter().enumerate() {
        let idx = format!("{path}[{i}]");
        if var.name.is_empty() {
            errs.push(FieldError::required(format!("{idx}.name"), ""));
        } else if !is_relaxed_env_var_name(&var.name) {
            errs.push(FieldError::invalid_str(
                format!("{idx}.name"),
                &var.name,
                ENV_NAME_MSG,
            ));
        }
        errs.extend(validate_env_var_value_from(
            var,
            &format!("{idx}.valueFrom"),
        ));
    }
    errs
}

fn is_relaxed_env_var_name(name: &str) -> bool {
    !name
        .chars()
        .any(|ch| !(' '..='~').contains(&ch) || ch == '=')
}

/// `validateEnvVarValueFrom`: each source's own checks, then the count of sources (the
/// errors at `valueFrom` itself carry the value `""`, as upstream's).
fn validate_env_var_value_from(var: &EnvVar, path: &str) -> Vec<FieldError> {
    let Some(from) = &var.value_from else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    let mut sources = 0;
    if let Some(fs) = &from.field_ref {
        sources += 1;
        errs.extend(validate_object_field_selector(
            fs,
            &ENV_FIELD_PATHS,
            &format!("{path}.fieldRef"),
        ));
    }
    if let Some(rs) = &from.resource_field_ref {
        sources += 1;
        errs.extend(validate_container_resource_field_selector(
            rs,
            &format!("{path}.resourceFieldRef"),
            false,
        ));
    }
    if let Some(r) = &from.config_map_key_ref {
        sources += 1;
        errs.extend(validate_key_selector(
            &r.name,
            &r.key,
            &format!("{path}.configMapKeyRef"),
        ));
    }
    if let Some(r) = &from.secret_key_ref {
        sources += 1;
        errs.extend(validate_key_selector(
            &r.name,
            &r.key,
            &format!("{path}.secretKeyRef"),
        ));
    }
    // `fileKeyRef` (EnvFiles, beta and on since v1.35) is a source too.
    if from.file_key_ref.is_some() {
        sources += 1;
    }
    let value_set = var.value.as_deref().is_some_and(|v| !v.is_empty());
    if sources == 0 {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ));
    } else if value_set {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "may not be specified when `value` is not empty",
        ));
    } else if sources > 1 {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "may not have more than one field specified at a time",
        ));
    }
    errs
}

/// `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` → (`metadata.labels`,
/// `app`); `None` for a path without a subscript.
pub(crate) fn split_subscripted_path(path: &str) -> Option<(&str, &str)> {
    let s = path.strip_suffix("']")?;
    let (head, subscript) = s.split_once("['")?;
    (!head.is_empty()).then_some((head, subscript))
}

/// `ConvertDownwardAPIFieldLabel` for v1: the internal field path, or the converter's error.
fn convert_downward_api_field_label(api_version: &str, label: &str) -> Result<String, String> {
    if api_version != "v1" {
        return Err(format!("unsupported pod version: {api_version}"));
    }
    if let Some((head, _)) = split_subscripted_path(label) {
        return match head {
            "metadata.annotations" | "metadata.labels" => Ok(label.to_string()),
            _ => Err(format!("field label does not support subscript: {label}")),
        };
    }
    if CONVERTIBLE_FIELD_LABELS.contains(&label) {
        return Ok(label.to_string());
    }
    if label == "spec.host" {
        return Ok("spec.nodeName".to_string());
    }
    Err(format!("field label not supported: {label}"))
}

/// `validateObjectFieldSelector`: apiVersion and fieldPath are required (the apiVersion is
/// defaulted to `v1`), the path must convert, a subscript is only for labels and
/// annotations (and must be a qualified name), any other path one of `allowed`.
pub(super) fn validate_object_field_selector(
    fs: &ObjectFieldSelector,
    allowed: &[&str],
    path: &str,
) -> Vec<FieldError> {
    let api_version = fs.api_version.as_deref().unwrap_or("");
    if api_version.is_empty() {
        return vec![FieldError::required(format!("{path}.apiVersion"), "")];
    }
    if fs.field_path.is_empty() {
        return vec![FieldError::required(format!("{path}.fieldPath"), "")];
    }
    let internal = match convert_downward_api_field_label(api_version, &fs.field_path) {
        Ok(internal) => internal,
        Err(why) => {
            return vec![FieldError::invalid_str(
                format!("{path}.fieldPath"),
                &fs.field_path,
                format!("error converting fieldPath: {why}"),
            )]
        }
    };
    match split_subscripted_path(&internal) {
        Some((head, subscript)) => {
            let key = match head {
                "metadata.annotations" => subscript.to_lowercase(),
                "metadata.labels" => subscript.to_string(),
                _ => {
                    return vec![FieldError::invalid_str(
                        path,
                        head,
                        "does not support subscript",
                    )]
                }
            };
            // `ValidateQualifiedName` at the selector's own path.
            qualified_name_errors(&key)
                .into_iter()
                .map(|m| FieldError::invalid_str(path, &key, m))
                .collect()
        }
        None if !allowed.contains(&internal.as_str()) => vec![FieldError::unsupported(
            format!("{path}.fieldPath"),
            &internal,
            allowed,
        )],
        None => Vec::new(),
    }
}

/// `validateContainerResourceFieldSelector`: in a volume (`volume`) the container's name
/// is required first; the resource is required and one of the container's (hugepages by
/// prefix); a divisor, when given, one the resource supports
/// (`validateContainerResourceDivisor`), checked whatever came before.
pub(super) fn validate_container_resource_field_selector(
    rs: &ResourceFieldSelector,
    path: &str,
    volume: bool,
) -> Vec<FieldError> {
    const HUGEPAGES: [&str; 2] = ["limits.hugepages-", "requests.hugepages-"];
    let mut errs = Vec::new();
    let resource = rs.resource.as_str();
    if volume && rs.container_name.as_deref().unwrap_or("").is_empty() {
        errs.push(FieldError::required(format!("{path}.containerName"), ""));
    } else if resource.is_empty() {
        errs.push(FieldError::required(format!("{path}.resource"), ""));
    } else if !RESOURCE_FIELD_PATHS.contains(&resource)
        && !HUGEPAGES.iter().any(|p| resource.starts_with(p))
    {
        errs.push(FieldError::unsupported(
            format!("{path}.resource"),
            resource,
            &RESOURCE_FIELD_PATHS,
        ));
    }
    errs.extend(validate_container_resource_divisor(rs, path));
    errs
}

/// The divisors each resource supports, in canonical form.
const MEMORY_DIVISORS: [&str; 13] = [
    "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
];

fn validate_container_resource_divisor(rs: &ResourceFieldSelector, path: &str) -> Vec<FieldError> {
    let Some(divisor) = rs.divisor.as_ref() else {
        return Vec::new();
    };
    // The divisor is compared in its canonical form (`Quantity.String()`); zero is unset.
    let canonical =
        crate::quantity::to_canonical_string(&divisor.0).unwrap_or_else(|| divisor.0.clone());
    if canonical == "0" {
        return Vec::new();
    }
    let resource = rs.resource.as_str();
    let list = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei";
    let refusal = match resource {
        "limits.cpu" | "requests.cpu" if !["1m", "1"].contains(&canonical.as_str()) => {
            Some("only divisor's values 1m and 1 are supported with the cpu resource".to_string())
        }
        "limits.memory" | "requests.memory" if !MEMORY_DIVISORS.contains(&canonical.as_str()) => {
            Some(format!(
                "only divisor's values {list} are supported with the memory resource"
            ))
        }
        "limits.ephemeral-storage" | "requests.ephemeral-storage"
            if !MEMORY_DIVISORS.contains(&canonical.as_str()) =>
        {
            Some(format!(
                "only divisor's values {list} are supported with the local ephemeral storage resource"
            ))
        }
        _ if (resource.starts_with("requests.hugepages-")
            || resource.starts_with("limits.hugepages-"))
            && !MEMORY_DIVISORS.contains(&canonical.as_str()) =>
        {
            Some(format!(
                "only divisor's values {list} are supported with the hugepages resource"
            ))
        }
        _ => None,
    };
    refusal
        .map(|m| FieldError::invalid_str(format!("{path}.divisor"), resource, m))
        .into_iter()
        .collect()
}

/// `validateConfigMapKeySelector` / `validateSecretKeySelector`: the object's name a DNS
/// subdomain (checked even when empty), the key required and a valid config key.
fn validate_key_selector(name: &str, key: &str, path: &str) -> Vec<FieldError> {
    let mut errs: Vec<FieldError> = dns1123_subdomain_errors(name)
        .into_iter()
        .map(|m| FieldError::invalid_str(format!("{path}.name"), name, m))
        .collect();
    if key.is_empty() {
        errs.push(FieldError::required(format!("{path}.key"), ""));
    } else {
        for m in config_map_key_errors(key) {
            errs.push(FieldError::invalid_str(format!("{path}.key"), key, m));
        }
    }
    errs
}

/// `ValidateEnvFrom`: a prefix is a valid variable name; each entry names one ConfigMap or
/// one Secret, by a valid name. (Upstream reports the count of sources at `envFrom`
/// itself, not at the entry.)
pub(super) fn validate_env_from(sources: &[EnvFromSource], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let idx = format!("{path}[{i}]");
        if let Some(prefix) = source.prefix.as_deref().filter(|p| !p.is_empty()) {
            if !is_relaxed_env_var_name(prefix) {
                errs.push(FieldError::invalid_str(
                    format!("{idx}.prefix"),
                    prefix,
                    ENV_NAME_MSG,
                ));
            }
        }
        let mut count = 0;
        let refs = [
            (
                "configMapRef",
                source.config_map_ref.as_ref().map(|r| r.name.as_str()),
            ),
            (
                "secretRef",
                source.secret_ref.as_ref().map(|r| r.name.as_str()),
            ),
        ];
        for (field, name) in refs {
            let Some(name) = name else { continue };
            count += 1;
            let np = format!("{idx}.{field}.name");
            if name.is_empty() {
                errs.push(FieldError::required(np, ""));
            } else {
                for m in dns1123_subdomain_errors(name) {
                    errs.push(FieldError::invalid_str(np.clone(), name, m));
                }
            }
        }
        if count == 0 {
            errs.push(FieldError::invalid_str(
                path,
                "",
                "must specify one of: `configMapRef` or `secretRef`",
            ));
        } else if count > 1 {
            errs.push(FieldError::invalid_str(
                path,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::EnvVarSource;

    fn texts(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn field_ref(path: &str) -> EnvVarSource {
        EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: Some("v1".into()),
                field_path: path.into(),
            }),
            ..Default::default()
        }
    }

    fn var(from: EnvVarSource, value: Option<&str>) -> EnvVar {
        EnvVar {
            name: "X".into(),
            value: value.map(Into::into),
            value_from: Some(from),
        }
    }

    #[test]
    fn downward_api_paths_the_environment_may_read() {
        for ok in [
            "metadata.name",
            "spec.host",
            "status.podIPs",
            "metadata.labels['app']",
            "metadata.annotations['Example.com/Key']",
        ] {
            assert!(
                validate_env(&[var(field_ref(ok), None)], "env").is_empty(),
                "{ok}"
            );
        }
        assert_eq!(
            texts(&validate_env(
                &[
                    var(field_ref("metadata.foo"), None),
                    var(field_ref("status.phase"), None),
                    var(field_ref("metadata.labels"), None),
                    var(field_ref("spec.nodeName['x']"), None),
                    var(field_ref("metadata.labels['a b']"), None),
                ],
                "env"
            )),
            [
                "env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.foo\": error converting fieldPath: field label not supported: metadata.foo",
                "env[1].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
                "env[2].valueFrom.fieldRef.fieldPath: Unsupported value: \"metadata.labels\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
                "env[3].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.nodeName['x']\": error converting fieldPath: field label does not support subscript: spec.nodeName['x']",
                "env[4].valueFrom.fieldRef: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ]
        );
    }

    #[test]
    fn sources_resources_and_divisors() {
        let resource = |r: &str, divisor: Option<&str>| EnvVarSource {
            resource_field_ref: Some(ResourceFieldSelector {
                resource: r.into(),
                divisor: divisor
                    .map(|d| k8s_openapi::apimachinery::pkg::api::resource::Quantity(d.into())),
                ..Default::default()
            }),
            ..Default::default()
        };
        let both = EnvVarSource {
            resource_field_ref: resource("limits.cpu", None).resource_field_ref,
            ..field_ref("metadata.name")
        };
        assert_eq!(
            texts(&validate_env(
                &[
                    var(resource("requests.foo", None), None),
                    var(resource("limits.cpu", Some("2m")), None),
                    var(resource("requests.hugepages-2Mi", Some("1Mi")), None),
                    var(field_ref("metadata.name"), Some("a")),
                    var(both, None),
                    var(EnvVarSource::default(), None),
                ],
                "env"
            )),
            [
                "env[0].valueFrom.resourceFieldRef.resource: Unsupported value: \"requests.foo\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\"",
                "env[1].valueFrom.resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only divisor's values 1m and 1 are supported with the cpu resource",
                "env[3].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
                "env[4].valueFrom: Invalid value: \"\": may not have more than one field specified at a time",
                "env[5].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            ]
        );
    }
}
