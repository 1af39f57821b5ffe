//! Durations as Go code: `"50ms"` (how users write them, as Go's
//! time.ParseDuration reads them) → `50*time.Millisecond`.

const UNITS: &[(&str, u128, &str)] = &[
    ("h", 3_600_000_000_000, "time.Hour"),
    ("m", 60_000_000_000, "time.Minute"),
    ("s", 1_000_000_000, "time.Second"),
    ("ms", 1_000_000, "time.Millisecond"),
    ("us", 1_000, "time.Microsecond"),
    ("µs", 1_000, "time.Microsecond"),
    ("ns", 1, "time.Nanosecond"),
];

/// The Go expression for a duration such as `10ms`, `1.5s` or `1m30s`, in
/// the largest unit that divides it exactly; `None` when it does not parse.
pub fn duration_expr(text: &str) -> Option<String> {
    let nanos = parse_nanos(text.trim())?;
    if nanos == 0 {
        return Some("0".into());
    }
    let (_, size, name) = UNITS
        .iter()
        .filter(|(unit, _, _)| *unit != "µs")
        .find(|(_, size, _)| nanos % size == 0)?;
    Some(match nanos / size {
        1 => name.to_string(),
        // Compact, as gofmt prints a product inside an argument list.
        n => format!("{n}*{name}"),
    })
}

fn parse_nanos(mut text: &str) -> Option<u128> {
    if text.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !text.is_empty() {
        let number_len = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let number = &text[..number_len];
        text = &text[number_len..];
        let unit_len = text
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(text.len());
        let unit = &text[..unit_len];
        text = &text[unit_len..];
        let (_, size, _) = UNITS.iter().find(|(u, _, _)| *u == unit)?;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut part = whole.checked_mul(*size)?;
        let mut scale = *size;
        for digit in fraction.chars() {
            scale /= 10;
            part += u128::from(digit.to_digit(10)?) * scale;
        }
        total = total.checked_add(part)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_become_go_expressions() {
        assert_eq!(
            duration_expr("10ms").as_deref(),
            Some("10*time.Millisecond")
        );
        assert_eq!(duration_expr("1s").as_deref(), Some("time.Second"));
        assert_eq!(
            duration_expr("1.5s").as_deref(),
            Some("1500*time.Millisecond")
        );
        assert_eq!(duration_expr("1m30s").as_deref(), Some("90*time.Second"));
        assert_eq!(
            duration_expr("250us").as_deref(),
            Some("250*time.Microsecond")
        );
        assert_eq!(duration_expr("0s").as_deref(), Some("0"));
        assert_eq!(duration_expr("10").as_deref(), None);
        assert_eq!(duration_expr("fast").as_deref(), None);
    }
}
