//! Form pieces every screen uses: a labelled field that shows its own error, the message above a
//! form, and reading a server action's outcome.

use crate::error::AppError;
use crate::i18n::{invalid_text, t, tf, tr, use_lang};
use crate::model::Lang;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error of a server action's last run (also after a plain HTML form, from the URL).
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// The plain-language message for an error shown above a form.
pub fn error_text(lang: Lang, error: &AppError) -> String {
    match error {
        AppError::TooManyAttempts { retry_after_secs } => {
            tf(lang, "error.too_many_attempts", &[("n", &retry_after_secs.to_string())])
        }
        AppError::MailTabLocked { missing_firm, missing_outlet } => {
            let mut text = t(lang, "error.mail_tab_locked").to_string();
            if *missing_firm {
                text.push(' ');
                text.push_str(t(lang, "mail_tab.missing_firm"));
            }
            if *missing_outlet {
                text.push(' ');
                text.push_str(t(lang, "mail_tab.missing_outlet"));
            }
            text
        }
        other => t(lang, other.key()).to_string(),
    }
}

/// The message above a form: what went wrong, in plain words.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error.get().map(|e| {
            view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }
        })
    }
}

/// A labelled input whose error, if the server refused its value, is shown right under it.
#[component]
pub fn Field(
    /// The form field name, as the server function's argument is called.
    name: &'static str,
    label: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    let id = format!("field-{name}");
    let problem = move || error.get().and_then(|e| e.field_problem(name));
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:field-invalid=move || problem().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                prop:value=move || value.get()
                value=move || value.get()
                autocomplete=autocomplete
                placeholder=placeholder
                required=required
                disabled=move || disabled.get()
                aria-invalid=move || problem().is_some().then_some("true")
                aria-describedby=move || problem().map(|_| described.clone())
            />
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            {move || problem().map(|p| view! { <p class="field-error" id=error_id.clone()>{invalid_text(lang, p)}</p> })}
        </div>
    }
}

/// The error of one field, for inputs that are not a plain [`Field`] (selects, checkboxes).
#[component]
pub fn FieldProblem(name: &'static str, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error
            .get()
            .and_then(|e| e.field_problem(name))
            .map(|p| view! { <p class="field-error">{invalid_text(lang, p)}</p> })
    }
}

/// A submit button that shows progress and cannot be pressed twice while its action runs.
#[component]
pub fn Submit(label: &'static str, #[prop(into)] pending: Signal<bool>, #[prop(optional)] class: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class=format!("button {class}") disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { tr("common.working") } else { label }}
        </button>
    }
}
