//! How the operator's commands word a refused value or an error: in English, one line each.

use crate::model::Lang;

pub fn parse<T>(field: &str, parsed: Result<T, crate::model::Invalid>) -> Result<T, String> {
    parsed.map_err(|p| format!("{field}: {}", crate::i18n::invalid_text(Lang::En, p)))
}

pub fn explain(error: crate::model::error::AppError) -> String {
    match &error {
        crate::model::error::AppError::Invalid(fields) => fields
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, crate::i18n::invalid_text(Lang::En, f.problem)))
            .collect::<Vec<_>>()
            .join("; "),
        other => crate::i18n::t(Lang::En, other.key()).to_string(),
    }
}
