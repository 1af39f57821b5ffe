//! Parameter types: what a rule's parameter may hold, written as the
//! `type` of `[params.NAME]` or implied by its default. Every value a
//! parameter is given (its default, `.fixgen.toml`, `--set`) is checked
//! here, so a typo is an error instead of a rule that quietly finds
//! nothing or generates code that does not do what was asked.

use std::fmt;
use std::str::FromStr;
use toml::Value;

/// The kinds of value a parameter, or an item of a list, can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A Go duration longer than zero, written as Go's time.ParseDuration
    /// reads it (`15s`, `1m30s`, `100ms`); kept as that string.
    Duration,
    /// 1 or more.
    PositiveInteger,
    /// 0 or more: for counts where 0 means "no limit".
    NonNegativeInteger,
    Integer,
    /// Kept as a float; an integer is accepted and becomes one.
    Number,
    Boolean,
    String,
}

const SCALARS: &[(&str, Scalar)] = &[
    ("duration", Scalar::Duration),
    ("positive-integer", Scalar::PositiveInteger),
    ("non-negative-integer", Scalar::NonNegativeInteger),
    ("integer", Scalar::Integer),
    ("number", Scalar::Number),
    ("boolean", Scalar::Boolean),
    ("string", Scalar::String),
];

/// A parameter's type: one value, or a list of them (`list` alone is a
/// list of strings; `list of integers` and the like name the items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    One(Scalar),
    List(Scalar),
}

impl Scalar {
    fn name(self) -> &'static str {
        SCALARS
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("?", |(n, _)| n)
    }

    /// What a user must write, for error messages: "a duration (like 15s or 2m)".
    fn expected(self) -> &'static str {
        match self {
            Scalar::Duration => "a duration (like 15s or 2m)",
            Scalar::PositiveInteger => "a positive integer (1 or more)",
            Scalar::NonNegativeInteger => "an integer, 0 or more",
            Scalar::Integer => "an integer",
            Scalar::Number => "a number",
            Scalar::Boolean => "true or false",
            Scalar::String => "a string",
        }
    }

    /// Plural, for the items of a list.
    fn items(self) -> &'static str {
        match self {
            Scalar::Duration => "durations (like 15s or 2m)",
            Scalar::PositiveInteger => "positive integers",
            Scalar::NonNegativeInteger => "integers, 0 or more",
            Scalar::Integer => "integers",
            Scalar::Number => "numbers",
            Scalar::Boolean => "booleans",
            Scalar::String => "strings",
        }
    }

    /// `value` if it is of this kind (an integer made a float for
    /// `Number`), else `None`.
    fn check(self, value: &Value) -> Option<Value> {
        let ok = match (self, value) {
            (Scalar::Duration, Value::String(s)) => {
                crate::go::duration::nanos(s).is_some_and(|n| n > 0)
            }
            (Scalar::PositiveInteger, Value::Integer(n)) => *n > 0,
            (Scalar::NonNegativeInteger, Value::Integer(n)) => *n >= 0,
            (Scalar::Integer, Value::Integer(_)) => true,
            (Scalar::Number, Value::Integer(n)) => return Some(Value::Float(*n as f64)),
            (Scalar::Number, Value::Float(f)) => f.is_finite(),
            (Scalar::Boolean, Value::Boolean(_)) | (Scalar::String, Value::String(_)) => true,
            _ => false,
        };
        ok.then(|| value.clone())
    }

    /// A command-line word as this kind of value: numbers and booleans
    /// are read as such; anything else stays a string and is checked.
    fn parse(self, text: &str) -> Result<Value, String> {
        let word = text.trim();
        let value = match self {
            Scalar::PositiveInteger | Scalar::NonNegativeInteger | Scalar::Integer => {
                word.parse().map(Value::Integer).ok()
            }
            Scalar::Number => word.parse().map(Value::Float).ok(),
            Scalar::Boolean => word.parse().map(Value::Boolean).ok(),
            Scalar::Duration => Some(Value::String(word.to_string())),
            Scalar::String => Some(Value::String(text.to_string())),
        };
        value
            .and_then(|v| self.check(&v))
            .ok_or_else(|| format!("expected {}, found {:?}", self.expected(), text))
    }
}

impl ParamType {
    /// The type a default implies when the rule names none: its own kind
    /// (a list, its first item's; an empty list holds strings).
    pub fn implied_by(default: &Value) -> Option<ParamType> {
        let scalar = |v: &Value| match v {
            Value::String(_) => Some(Scalar::String),
            Value::Integer(_) => Some(Scalar::Integer),
            Value::Float(_) => Some(Scalar::Number),
            Value::Boolean(_) => Some(Scalar::Boolean),
            _ => None,
        };
        match default {
            Value::Array(items) => match items.first() {
                Some(first) => scalar(first).map(ParamType::List),
                None => Some(ParamType::List(Scalar::String)),
            },
            other => scalar(other).map(ParamType::One),
        }
    }

    /// `value` as the parameter holds it, or why it cannot be held.
    pub fn check(&self, value: &Value) -> Result<Value, String> {
        match (self, value) {
            (ParamType::One(scalar), _) => scalar
                .check(value)
                .ok_or_else(|| format!("expected {}, found {value}", scalar.expected())),
            (ParamType::List(scalar), Value::Array(items)) => items
                .iter()
                .map(|item| {
                    scalar.check(item).ok_or_else(|| {
                        format!(
                            "expected a list of {}, found the item {item}",
                            scalar.items()
                        )
                    })
                })
                .collect::<Result<_, _>>()
                .map(Value::Array),
            (ParamType::List(scalar), _) => Err(format!(
                "expected a list of {}, found {value}",
                scalar.items()
            )),
        }
    }

    /// A `--set` value: a list is written with commas (`a,b`; empty for
    /// an empty list), anything else as one word.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        match self {
            ParamType::One(scalar) => scalar.parse(text),
            ParamType::List(scalar) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|item| {
                    scalar.parse(item).map_err(|_| {
                        format!(
                            "expected a list of {}, found the item {item:?}",
                            scalar.items()
                        )
                    })
                })
                .collect::<Result<_, _>>()
                .map(Value::Array),
        }
    }
}

/// As written in a rule file: `duration`, `list`, `list of integers`.
impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamType::One(scalar) => f.write_str(scalar.name()),
            ParamType::List(Scalar::String) => f.write_str("list"),
            ParamType::List(scalar) => write!(f, "list of {}s", scalar.name()),
        }
    }
}

impl FromStr for ParamType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let scalar = |name: &str| SCALARS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
        let parsed = match text.strip_prefix("list of ") {
            _ if text == "list" => Some(ParamType::List(Scalar::String)),
            Some(items) => items
                .strip_suffix('s')
                .and_then(scalar)
                .map(ParamType::List),
            None => scalar(text).map(ParamType::One),
        };
        parsed.ok_or_else(|| {
            let names: Vec<&str> = SCALARS.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown parameter type `{text}` (known: {}, list, or `list of` a plural such as `list of integers`)",
                names.join(", ")
            )
        })
    }
}

/// What a rule says of one of its parameters.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub ty: ParamType,
    pub default: Value,
    pub doc: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> ParamType {
        text.parse().unwrap()
    }

    #[test]
    fn type_names_read_back_as_written() {
        for name in [
            "duration",
            "positive-integer",
            "string",
            "list",
            "list of integers",
        ] {
            assert_eq!(ty(name).to_string(), name);
        }
        assert_eq!(ty("list of strings"), ty("list"));
        let unknown = "list of integer".parse::<ParamType>().unwrap_err();
        assert!(
            unknown.starts_with("unknown parameter type `list of integer`"),
            "{unknown}"
        );
        assert!("int".parse::<ParamType>().is_err());
    }

    #[test]
    fn a_default_implies_its_own_type() {
        let implied = |v: Value| ParamType::implied_by(&v).map(|t| t.to_string());
        assert_eq!(implied(Value::String("15s".into())).unwrap(), "string");
        assert_eq!(implied(Value::Integer(20)).unwrap(), "integer");
        assert_eq!(implied(Value::Float(0.5)).unwrap(), "number");
        assert_eq!(implied(Value::Array(vec![])).unwrap(), "list");
        assert_eq!(
            implied(Value::Array(vec![Value::Integer(1213)])).unwrap(),
            "list of integers"
        );
        assert_eq!(implied(Value::Table(Default::default())), None);
    }

    #[test]
    fn durations_are_go_durations_longer_than_zero() {
        let d = ty("duration");
        for ok in ["15s", "1m30s", "100ms", "1.5s", "2h"] {
            assert_eq!(d.parse(ok), Ok(Value::String(ok.into())), "{ok}");
        }
        for bad in ["abc", "15", "0s", "-5s", "", "5 s", "1d"] {
            assert_eq!(
                d.parse(bad),
                Err(format!(
                    "expected a duration (like 15s or 2m), found {bad:?}"
                )),
                "{bad}"
            );
        }
        assert_eq!(
            d.check(&Value::Integer(15)),
            Err("expected a duration (like 15s or 2m), found 15".into())
        );
    }

    #[test]
    fn integers_keep_to_their_range() {
        assert_eq!(ty("positive-integer").parse("3"), Ok(Value::Integer(3)));
        assert_eq!(
            ty("positive-integer").parse("-3"),
            Err("expected a positive integer (1 or more), found \"-3\"".into())
        );
        assert!(ty("positive-integer").parse("0").is_err());
        assert_eq!(ty("non-negative-integer").parse("0"), Ok(Value::Integer(0)));
        assert!(ty("non-negative-integer").parse("-1").is_err());
        assert_eq!(ty("integer").parse("-1"), Ok(Value::Integer(-1)));
        assert!(ty("integer").parse("1.5").is_err());
        assert_eq!(
            ty("positive-integer").check(&Value::String("3".into())),
            Err("expected a positive integer (1 or more), found \"3\"".into())
        );
    }

    #[test]
    fn numbers_booleans_and_strings() {
        assert_eq!(ty("number").parse("1.5"), Ok(Value::Float(1.5)));
        assert_eq!(
            ty("number").check(&Value::Integer(2)),
            Ok(Value::Float(2.0))
        );
        assert!(ty("number").parse("NaN").is_err());
        assert_eq!(ty("boolean").parse("true"), Ok(Value::Boolean(true)));
        assert_eq!(
            ty("boolean").parse("yes"),
            Err("expected true or false, found \"yes\"".into())
        );
        assert_eq!(
            ty("string").parse(" a b "),
            Ok(Value::String(" a b ".into()))
        );
        assert_eq!(ty("string").parse("12"), Ok(Value::String("12".into())));
    }

    #[test]
    fn lists_check_every_item() {
        let strings = Value::Array(vec![Value::String("a".into()), Value::String("b".into())]);
        assert_eq!(ty("list").parse(" a, b,"), Ok(strings.clone()));
        assert_eq!(ty("list").parse(""), Ok(Value::Array(vec![])));
        assert_eq!(ty("list").check(&strings), Ok(strings));
        assert_eq!(
            ty("list").check(&Value::String("Go".into())),
            Err("expected a list of strings, found \"Go\"".into())
        );
        let codes = ty("list of positive-integers");
        assert_eq!(
            codes.parse("1213,1205"),
            Ok(Value::Array(vec![
                Value::Integer(1213),
                Value::Integer(1205)
            ]))
        );
        assert_eq!(
            codes.parse("1213,x"),
            Err("expected a list of positive integers, found the item \"x\"".into())
        );
        assert_eq!(
            codes.check(&Value::Array(vec![Value::Integer(0)])),
            Err("expected a list of positive integers, found the item 0".into())
        );
    }
}
