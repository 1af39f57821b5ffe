//! Durations as Go code: `"50ms"` (how users write them, as Go's
//! time.ParseDuration reads them) → `50*time.Millisecond`.

use tree_sitter::Node;

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

/// Nanoseconds in a duration as users write it (`15s`, `1m30s`), as Go's
/// time.ParseDuration reads it; `None` when it does not parse.
pub fn nanos(text: &str) -> Option<u128> {
    parse_nanos(text.trim())
}

/// `15s`, `1m30s`, `1.5s`: a duration as a person reads it back.
pub fn describe(nanos: u128) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    let mut rest = nanos;
    let mut out = String::new();
    for (unit, size, _) in UNITS.iter().filter(|(u, _, _)| *u != "µs") {
        if rest >= *size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// The value in nanoseconds of a constant duration expression: number
/// literals, `time.Second` and the other units (through the file's name
/// for package time, `time_name`), `time.Duration(n)`, parentheses and
/// `+ - * /`. `None` for anything else: a named constant, a variable, a
/// call. Fractions are kept until the end, as Go's untyped constants are.
pub fn constant_nanos(node: Node, source: &str, time_name: &str) -> Option<u128> {
    let value = constant_value(node, source, time_name)?;
    (value >= 0.0 && value.is_finite()).then(|| value.round() as u128)
}

fn constant_value(node: Node, source: &str, time_name: &str) -> Option<f64> {
    let text = |n: Node| &source[n.byte_range()];
    match node.kind() {
        "int_literal" | "float_literal" => {
            let digits = text(node).replace('_', "");
            if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
                return u64::from_str_radix(hex, 16).ok().map(|v| v as f64);
            }
            digits.parse().ok()
        }
        "parenthesized_expression" => constant_value(node.named_child(0)?, source, time_name),
        "selector_expression" => {
            let operand = node.child_by_field_name("operand")?;
            let field = text(node.child_by_field_name("field")?);
            if operand.kind() != "identifier" || text(operand) != time_name {
                return None;
            }
            let unit = match field {
                "Nanosecond" => "ns",
                "Microsecond" => "us",
                "Millisecond" => "ms",
                "Second" => "s",
                "Minute" => "m",
                "Hour" => "h",
                _ => return None,
            };
            UNITS
                .iter()
                .find(|(u, _, _)| *u == unit)
                .map(|(_, size, _)| *size as f64)
        }
        // time.Duration(5): a conversion.
        "call_expression" => {
            let function = node.child_by_field_name("function")?;
            let args = node.child_by_field_name("arguments")?;
            let is_conversion = function.kind() == "selector_expression"
                && text(function) == format!("{time_name}.Duration");
            if !is_conversion || args.named_child_count() != 1 {
                return None;
            }
            constant_value(args.named_child(0)?, source, time_name)
        }
        "binary_expression" => {
            let left = constant_value(node.child_by_field_name("left")?, source, time_name)?;
            let right = constant_value(node.child_by_field_name("right")?, source, time_name)?;
            match text(node.child_by_field_name("operator")?) {
                "*" => Some(left * right),
                "+" => Some(left + right),
                "-" => Some(left - right),
                "/" if right != 0.0 => Some(left / right),
                _ => None,
            }
        }
        _ => None,
    }
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

    fn value_of(expr: &str) -> Option<u128> {
        let source = format!("package p\n\nvar x = {expr}\n");
        let tree = crate::go::parse::parse(&source).unwrap();
        let start = source.find(expr).unwrap();
        let node = tree
            .root_node()
            .descendant_for_byte_range(start, start + expr.len())
            .unwrap();
        constant_nanos(node, &source, "time")
    }

    #[test]
    fn constant_durations_are_evaluated() {
        assert_eq!(value_of("time.Second"), Some(1_000_000_000));
        assert_eq!(value_of("5 * time.Second"), Some(5_000_000_000));
        assert_eq!(value_of("500*time.Millisecond"), Some(500_000_000));
        assert_eq!(value_of("(2 * time.Minute) / 4"), Some(30_000_000_000));
        assert_eq!(
            value_of("time.Duration(3) * time.Second"),
            Some(3_000_000_000)
        );
        assert_eq!(value_of("1.5 * float64(time.Second)"), None);
        assert_eq!(value_of("testutil.WaitLong"), None);
        assert_eq!(value_of("wait"), None);
        assert_eq!(
            value_of("time.Second + 10*time.Millisecond"),
            Some(1_010_000_000)
        );
    }

    #[test]
    fn durations_read_back() {
        assert_eq!(describe(15_000_000_000), "15s");
        assert_eq!(describe(90_000_000_000), "1m30s");
        assert_eq!(describe(1_500_000_000), "1s500ms");
        assert_eq!(nanos("15s"), Some(15_000_000_000));
    }
}
