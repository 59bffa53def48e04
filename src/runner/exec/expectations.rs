//! The statements that read the cluster: `expect`, `await`, and the queries and values
//! they compare.

use std::collections::BTreeMap;

use super::super::answer::{self, Answer};
use super::super::exec_check::Check;
use super::super::query::{self, object_kind, Context, QueryError};
use crate::lang::ast::{AwaitCond, CompareOp, Expectation, Name, Stmt};
use crate::sim::clock::Millis;
use crate::sim::clock_fmt;

use super::{Runner, Step};

impl Runner<'_> {
    pub(super) fn value(&self, value: &crate::lang::ast::Value) -> Result<Answer, QueryError> {
        use crate::lang::ast::Value as V;
        match value {
            V::Literal(s) => Ok(Answer::Text(s.clone())),
            V::Absent => Ok(Answer::Absent),
            V::NxDomain => Ok(Answer::NxDomain),
            V::Var(name) => self
                .vars
                .get(name)
                .cloned()
                .ok_or_else(|| QueryError(format!("${name} is not bound"))),
            V::Query(q) => self.query(q),
            V::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.value(item)? {
                        Answer::Text(t) => out.push(t),
                        Answer::List(l) | Answer::Set(l) => out.extend(l),
                        Answer::Absent => out.push("absent".into()),
                        Answer::NxDomain => out.push("nxdomain".into()),
                    }
                }
                Ok(Answer::List(out))
            }
        }
    }

    fn query(&self, query: &crate::lang::ast::Query) -> Result<Answer, QueryError> {
        let resolve = |n: &Name| self.name(n);
        let evaluate = |v: &crate::lang::ast::Value| self.value(v);
        let ctx = Context {
            world: &self.world,
            mark: self.mark,
            warnings: &self.warnings,
            output: &self.output,
            resolve_name: &resolve,
            evaluate: &evaluate,
        };
        query::evaluate(&ctx, query)
    }

    /// Evaluates an expectation now.
    fn check(&self, expectation: &Expectation) -> Result<Check, QueryError> {
        match expectation {
            Expectation::Compare { lhs, op, rhs, .. } => {
                let actual = self.query(lhs)?;
                let expected = self.value(rhs)?;
                let ok = match op {
                    CompareOp::Eq => answer::equal(&actual, &expected),
                    CompareOp::Ne => !answer::equal(&actual, &expected),
                    CompareOp::Contains => answer::contains(&actual, &expected),
                };
                let message = match op {
                    CompareOp::Eq => "the value differs from what was expected".to_string(),
                    CompareOp::Ne => format!("the value is {actual}, which it should not be"),
                    CompareOp::Contains => match actual {
                        Answer::Text(_) => {
                            "the text does not contain the expected text".to_string()
                        }
                        _ => "no element of the list is the expected value".to_string(),
                    },
                };
                Ok(Check {
                    ok,
                    expected: expected.lines(),
                    actual: actual.lines(),
                    message,
                })
            }
            Expectation::Table(table) => Ok(super::super::table::check(&self.world, table)),
            Expectation::Matches { target, document } => {
                let (kind, name) = (object_kind(target.kind), self.name(&target.name)?);
                let text = substitute(&document.text, &self.vars);
                super::super::matches::check(&self.world, &kind, &name, &text).map_err(QueryError)
            }
        }
    }

    /// What `--bless` would write for a failed expectation (evaluated again, now).
    fn blessing(&self, expectation: &Expectation) -> super::super::bless::Blessing {
        use super::super::bless::{self, Blessing};
        match expectation {
            Expectation::Compare {
                lhs,
                op,
                rhs,
                rhs_span,
                ..
            } => {
                if *op == CompareOp::Eq && !bless::is_literal(rhs) {
                    return Blessing::Refused(bless::NOT_LITERAL.into());
                }
                match self.query(lhs) {
                    Ok(actual) => bless::compare(*op, rhs, *rhs_span, &self.file.source, &actual),
                    Err(e) => Blessing::Refused(format!("cannot bless: {}", e.0)),
                }
            }
            Expectation::Table(table) => bless::table(
                &super::super::table::printed(&self.world, table.kind),
                table,
            ),
            Expectation::Matches { .. } => {
                Blessing::Refused("cannot bless: `matches` documents are not blessed".into())
            }
        }
    }

    pub(super) fn expect(
        &mut self,
        stmt: &Stmt,
        expectation: &Expectation,
        throughout: Option<Millis>,
    ) -> Step {
        let start = self.world.now;
        let end = start + throughout.unwrap_or_default();
        loop {
            let check = self.check(expectation).map_err(|e| self.fail(stmt, e.0))?;
            if !check.ok {
                let message = match throughout {
                    // Clock times are the scenario's virtual time: say where the span
                    // began and ended, and how far into it the expectation broke.
                    Some(d) => format!(
                        "{} (it had to hold throughout {}, from {} to {}; it broke at {}, {} in)",
                        check.message,
                        clock_fmt(d),
                        clock_fmt(start),
                        clock_fmt(end),
                        clock_fmt(self.world.now),
                        clock_fmt(self.world.now - start)
                    ),
                    None => check.message,
                };
                let mut failure = self.fail_diff(stmt, message, check.expected, check.actual);
                failure.bless = Some(if self.world.now > start {
                    super::super::bless::Blessing::Refused(
                        "cannot bless: the expectation held at first and broke later".into(),
                    )
                } else {
                    self.blessing(expectation)
                });
                return Err(failure);
            }
            match self.world.next_event_time() {
                Some(at) if at <= end => self
                    .world
                    .advance_to(at)
                    .map_err(|e| self.sim_failure(stmt, e))?,
                _ => {
                    if self.world.now < end {
                        self.world
                            .advance_to(end)
                            .map_err(|e| self.sim_failure(stmt, e))?;
                        continue;
                    }
                    return Ok(());
                }
            }
        }
    }

    pub(super) fn await_(&mut self, stmt: &Stmt, cond: &AwaitCond, limit: Millis) -> Step {
        let deadline = self.world.now + limit;
        let deleted_uid = match cond {
            AwaitCond::Deleted(r) => {
                let (_, name) = self.target(r).map_err(|e| self.fail(stmt, e.to_string()))?;
                self.world
                    .store
                    .pods()
                    .get(&name)
                    .and_then(|p| p.metadata.uid.clone())
            }
            _ => None,
        };
        loop {
            let check = match cond {
                AwaitCond::Ready(r) => {
                    let name = self.name(&r.name).map_err(|e| self.fail(stmt, e.0))?;
                    let kind = object_kind(r.kind);
                    if self.world.now < deadline
                        && !super::super::readiness::may_be_ready(&self.world, &kind, &name)
                    {
                        self.advance_toward(stmt, deadline)?;
                        continue;
                    }
                    super::super::readiness::check(&self.world, &kind, &name)
                        .map_err(|e| self.fail(stmt, e))?
                }
                AwaitCond::Deleted(r) => {
                    let name = self.name(&r.name).map_err(|e| self.fail(stmt, e.0))?;
                    super::super::readiness::check_deleted(
                        &self.world,
                        &object_kind(r.kind),
                        &name,
                        deleted_uid.as_deref(),
                    )
                }
                AwaitCond::Expectation(e) => {
                    let c = self.check(e).map_err(|e| self.fail(stmt, e.0))?;
                    super::super::readiness::Verdict {
                        ok: c.ok,
                        expected: c.expected,
                        actual: c.actual,
                    }
                }
            };
            if check.ok {
                return Ok(());
            }
            if self.world.now >= deadline {
                let mut failure = self.fail_diff(
                    stmt,
                    format!("still not true after {} of virtual time", clock_fmt(limit)),
                    check.expected,
                    check.actual,
                );
                if let AwaitCond::Expectation(e) = cond {
                    failure.bless = Some(self.blessing(e));
                }
                return Err(failure);
            }
            self.advance_toward(stmt, deadline)?;
        }
    }

    /// One step of an await: to the next instant something happens, or to the deadline.
    fn advance_toward(&mut self, stmt: &Stmt, deadline: Millis) -> Step {
        let next = self
            .world
            .next_event_time()
            .filter(|t| *t <= deadline)
            .unwrap_or(deadline);
        self.world
            .advance_to(next)
            .map_err(|e| self.sim_failure(stmt, e))
    }
}

fn substitute(text: &str, vars: &BTreeMap<String, Answer>) -> String {
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        if let Some((_, '$')) = chars.peek() {
            chars.next();
            out.push('$');
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .char_indices()
            .take_while(|(j, ch)| {
                ch.is_ascii_alphabetic() || *ch == '_' || (*j > 0 && ch.is_ascii_digit())
            })
            .count();
        let name = &rest[..len];
        match vars.get(name) {
            Some(value) if len > 0 => {
                out.push_str(&value.to_string());
                for _ in 0..len {
                    chars.next();
                }
            }
            _ => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_replaces_bound_names_and_unescapes_dollars() {
        let mut vars = BTreeMap::new();
        vars.insert("ip".to_string(), Answer::Text("10.244.1.2".into()));
        assert_eq!(substitute("podIP: $ip", &vars), "podIP: 10.244.1.2");
        assert_eq!(substitute("cost: $$5", &vars), "cost: $5");
        assert_eq!(substitute("keep $unknown", &vars), "keep $unknown");
    }
}
