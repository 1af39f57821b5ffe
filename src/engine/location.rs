//! A place the user pointed at (`--at`): only the matches covering its
//! line run.

/// `PATH:LINE`, or `PATH:LINE:COL` as findings and compilers print places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub line: usize,
}

impl std::str::FromStr for Location {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let expected = || format!("`{s}`: expected PATH:LINE or PATH:LINE:COL");
        let (rest, last) = s.rsplit_once(':').ok_or_else(expected)?;
        // A place pasted from a finding carries its column: matches cover
        // whole lines, so the column selects nothing more, but dropping it
        // must not turn `20` into part of the path and match nothing.
        let (path, line) = match rest.rsplit_once(':') {
            Some((path, line)) if is_number(line) && is_number(last) => (path, line),
            _ => (rest, last),
        };
        if path.is_empty() {
            return Err(expected());
        }
        let line: usize = line
            .parse()
            .map_err(|_| format!("`{s}`: the line must be a number"))?;
        if line == 0 {
            return Err(format!("`{s}`: lines count from 1"));
        }
        Ok(Location {
            path: path.trim_start_matches("./").to_string(),
            line,
        })
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Result<(String, usize), String> {
        s.parse::<Location>().map(|l| (l.path, l.line))
    }

    #[test]
    fn a_column_after_the_line_is_accepted_and_selects_the_line() {
        assert_eq!(at("pkg/x_test.go:22"), Ok(("pkg/x_test.go".into(), 22)));
        assert_eq!(at("./pkg/x_test.go:22:3"), Ok(("pkg/x_test.go".into(), 22)));
        assert_eq!(at("C:20/x.go:7"), Ok(("C:20/x.go".into(), 7)));
    }

    #[test]
    fn a_place_without_a_line_is_refused_with_the_form_expected() {
        assert_eq!(
            at("x.go"),
            Err("`x.go`: expected PATH:LINE or PATH:LINE:COL".into())
        );
        assert_eq!(
            at(":12"),
            Err("`:12`: expected PATH:LINE or PATH:LINE:COL".into())
        );
        assert_eq!(
            at("x.go:ten"),
            Err("`x.go:ten`: the line must be a number".into())
        );
        assert_eq!(at("x.go:0:4"), Err("`x.go:0:4`: lines count from 1".into()));
        assert_eq!(
            at("x.go:3:c"),
            Err("`x.go:3:c`: the line must be a number".into())
        );
    }
}
