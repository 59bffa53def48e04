//! kubectl-side presentation: printers for `kubectl get` tables.
