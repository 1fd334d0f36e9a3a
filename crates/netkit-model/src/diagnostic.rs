use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a topology file: where it is, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// `None` when the problem is about the file as a whole.
    pub span: Option<Span>,
    /// What is wrong, one sentence.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            span: span.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE (hint: HINT)`, the line the CLI prints.
    pub fn display_with<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        DisplayWith { d: self, file }
    }
}

struct DisplayWith<'a> {
    d: &'a Diagnostic,
    file: &'a str,
}

impl fmt::Display for DisplayWith<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.d.span {
            Some(s) => write!(
                f,
                "{}:{}:{}: {sev}: {}",
                self.file, s.line, s.column, self.d.message
            )?,
            None => write!(f, "{}: {sev}: {}", self.file, self.d.message)?,
        }
        if let Some(h) = &self.d.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}
