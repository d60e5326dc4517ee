//! A decision that said no, as data: which rule, how it answers, why, and how to fix it in
//! Tripletex's UI. The same denial renders as an API error, a journal line or a console message.

/// How a denial answers on the wire, in the access model's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    /// 401/3000: the caller is not logged in.
    Unauthorized,
    /// 403/9000: logged in, but not allowed.
    Forbidden,
    /// 422/18000: a request value is not acceptable.
    Invalid,
    /// 422/15000: a required query argument is missing.
    MissingArgument,
    /// 409/8000: the object changed since the caller read it.
    Conflict,
    /// 404/6000: no such object where the caller looks.
    NotFound,
}

/// One field-level complaint of a denial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
    /// Query arguments are named `arg:<name>` by the real API; plain fields are not.
    pub is_argument: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub kind: DenialKind,
    /// The name of the rule that said no (the function in `domain::rules`).
    pub rule: &'static str,
    /// What went wrong, for a person reading the error.
    pub reason: String,
    /// The fix, in the product's own words (menu, checkbox, role), or the API call to make.
    pub remedy: Option<String>,
    pub fields: Vec<FieldProblem>,
    /// The reason and remedy in Norwegian, as the training console shows them on its Norwegian
    /// pages (boxed: most denials carry none).
    pub norwegian: Option<Box<(String, Option<String>)>>,
}

impl Denial {
    pub fn new(kind: DenialKind, rule: &'static str, reason: impl Into<String>) -> Self {
        Self {
            kind,
            rule,
            reason: reason.into(),
            remedy: None,
            fields: Vec::new(),
            norwegian: None,
        }
    }

    /// The reason and remedy in Norwegian, in the words of Tripletex's own screens.
    pub fn norwegian(mut self, reason: impl Into<String>, remedy: impl Into<String>) -> Self {
        self.norwegian = Some(Box::new((reason.into(), Some(remedy.into()))));
        self
    }

    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }

    pub fn argument(mut self, name: &str, message: &str) -> Self {
        self.fields.push(FieldProblem {
            field: name.to_owned(),
            message: message.to_owned(),
            is_argument: true,
        });
        self
    }

    pub fn field(mut self, name: &str, message: &str) -> Self {
        self.fields.push(FieldProblem {
            field: name.to_owned(),
            message: message.to_owned(),
            is_argument: false,
        });
        self
    }

    /// A complaint about the whole object, naming no field (`field` is null on the wire).
    pub fn unnamed(mut self, message: &str) -> Self {
        self.fields.push(FieldProblem {
            field: String::new(),
            message: message.to_owned(),
            is_argument: false,
        });
        self
    }

    /// The text that goes in `developerMessage`: reason, fix and the rule's name.
    pub fn developer_message(&self) -> String {
        match &self.remedy {
            Some(remedy) => format!("{} Fix: {} (rule: {})", self.reason, remedy, self.rule),
            None => format!("{} (rule: {})", self.reason, self.rule),
        }
    }
}

/// The name of the rule function this is written in, for [`Denial::rule`]: rule names come from
/// the functions themselves, so a renamed rule can never report a stale name.
#[macro_export]
macro_rules! rule_name {
    () => {{
        fn here() {}
        $crate::domain::denial::rule_name_of(::std::any::type_name_of_val(&here))
    }};
}

/// The last path segment of `…::rule::{{closure}}::here`: the function's own name.
pub fn rule_name_of(path: &'static str) -> &'static str {
    let mut path = path.strip_suffix("::here").unwrap_or(path);
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    path.rsplit("::").next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    fn a_rule() -> &'static str {
        rule_name!()
    }

    #[test]
    fn a_rule_name_is_its_functions_name_even_inside_a_closure() {
        assert_eq!(a_rule(), "a_rule");
        let inside = Some(()).map(|()| rule_name!()).unwrap_or_default();
        assert_eq!(inside, "a_rule_name_is_its_functions_name_even_inside_a_closure");
    }
}
