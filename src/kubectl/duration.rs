//! Ages as kubectl prints them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// apimachinery's `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration), on whole
/// seconds (Go truncates the duration the same way at every step, so whole seconds give the same
/// result):
///
/// - seconds < -1 → `<invalid>` (two seconds of clock skew are tolerated), < 0 → `0s`
/// - seconds < 120 → `Ns`
/// - minutes < 10 → `MmSs`, or `Mm` when S is 0
/// - minutes < 180 → `Mm`
/// - hours < 8 → `HhMm`, or `Hh` when M is 0
/// - hours < 48 → `Hh`
/// - hours < 24*8 → `DdHh`, or `Dd` when H is 0
/// - hours < 24*365*2 → `Dd`
/// - hours < 24*365*8 → `YyDd` (D = days % 365), or `Yy` when D is 0
/// - otherwise `Yy`
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    } else if seconds < 0 {
        return "0s".to_string();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        format!("{hours}h{m}m")
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        format!("{}d{}h", hours / 24, h)
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        format!("{}y{}d", hours / 24 / 365, dy)
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// Whole seconds from `then` to `now`, truncated toward zero as Go's `int(d.Seconds())`.
pub fn seconds_between(then: &Time, now: &Time) -> i64 {
    let nanos = now.0.as_nanosecond() - then.0.as_nanosecond();
    i64::try_from(nanos / 1_000_000_000).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

/// kubectl's `translateTimestampSince`: `<unknown>` for a missing time, else the human duration
/// since it. kubectl reads the time from the API server, which keeps a `metav1.Time` to the
/// whole second (`Time.ProtoTime` drops the nanoseconds, RFC 3339 JSON has none), while its
/// own clock has them: a pod created at 0.5 s is 10s old at 10.2 s, not 9s.
pub fn age(then: Option<&Time>, now: &Time) -> String {
    match then {
        None => "<unknown>".to_string(),
        Some(t) => human_duration(seconds_between(&whole_second(t), now)),
    }
}

/// The time as the API server stores it: cut to the whole second (toward the past).
fn whole_second(t: &Time) -> Time {
    let seconds = t.0.as_second();
    let cut = if t.0.subsec_nanosecond() < 0 {
        seconds.saturating_sub(1)
    } else {
        seconds
    };
    Time(k8s_openapi::jiff::Timestamp::from_second(cut).unwrap_or(t.0))
}
