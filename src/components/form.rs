//! Form pieces every screen uses: a labelled field that shows its own error, the message above a
//! form, and reading a server action's outcome.

use crate::i18n::{invalid_text, t, tr, use_lang};
use crate::model::error::AppError;
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

/// The same, or before the action ran, the error a refused plain HTML form came back with.
pub fn action_error_or<S>(action: ServerAction<S>, kept: Option<AppError>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || match action.value().get() {
        Some(outcome) => outcome.err(),
        None => kept.clone(),
    })
}

pub use super::error_text::error_text;

/// Runs `then` each time the action finishes successfully (not on errors, so a refused form
/// keeps what the user typed).
pub fn on_success<S>(action: ServerAction<S>, then: impl Fn(&S::Output) + 'static)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |previous_version: Option<usize>| {
        let version = action.version().get();
        if previous_version.is_some_and(|v| v != version) {
            if let Some(Ok(output)) = action.value().get_untracked() {
                then(&output);
            }
        }
        version
    });
}

/// A counter that goes up each time the action succeeds: a resource keyed on it reloads then.
pub fn success_count<S>(action: ServerAction<S>) -> RwSignal<u32>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let count = RwSignal::new(0);
    on_success(action, move |_| count.update(|n| *n += 1));
    count
}

/// The message shown at one field: a refused value, or the field a failed mail check points at.
pub fn field_message(lang: Lang, error: &AppError, field: &str) -> Option<String> {
    match error {
        AppError::Invalid(errors) => errors.for_field(field).map(|p| invalid_text(lang, p)),
        AppError::CheckFailed(report) => report
            .failure
            .as_ref()
            .filter(|f| f.reason.field(f.side) == Some(field))
            .map(|f| t(lang, f.reason.text_key()).to_string()),
        _ => None,
    }
}

/// The message above a form: what went wrong, in plain words. After a refusal, the keyboard
/// focus moves to the first field with a problem.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if error.get().is_some() {
            request_animation_frame(focus_first_problem);
        }
    });
    move || {
        error.get().filter(|e| !matches!(e, AppError::CheckFailed(_))).map(|e| {
            view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }
        })
    }
}

/// Focuses the input of the first field message on the page (`{id}-error` belongs to `{id}`; a
/// radio group's fieldset passes the focus to its first input).
#[cfg(feature = "hydrate")]
fn focus_first_problem() {
    use leptos::wasm_bindgen::JsCast;
    let document = document();
    let Some(message) = document.query_selector(".field-error[id]").ok().flatten() else { return };
    let message_id = message.id();
    let Some(field) = message_id.strip_suffix("-error").and_then(|id| document.get_element_by_id(id)) else { return };
    let target =
        if field.tag_name() == "FIELDSET" { field.query_selector("input").ok().flatten() } else { Some(field) };
    if let Some(element) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// A mail password: never shown back; when one is `stored`, the empty field says that leaving
/// it empty keeps it.
#[component]
pub fn PasswordField(
    name: &'static str,
    label: &'static str,
    stored: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    let placeholder = if stored { t(lang, "mail_tab.password_stored") } else { "" };
    view! { <Field name label kind="password" autocomplete="new-password" placeholder error/> }
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
    #[prop(optional, into)] readonly: Signal<bool>,
    /// The element id, when two forms of one page have a field of the same name.
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let lang = use_lang();
    let id = id.map_or_else(|| format!("field-{name}"), str::to_string);
    let id_of_hint = id.clone();
    let problem = move || error.get().and_then(|e| field_message(lang, &e, name));
    // The value is rendered into the HTML; afterwards only a change of the signal (a preset
    // filling the field) is written into the input. Writing it at hydration would wipe what a
    // user typed before the WASM had loaded.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |previous: Option<String>| {
        let current = value.get();
        if previous.is_some_and(|p| p != current) {
            if let Some(el) = input.get() {
                el.set_value(&current);
            }
        }
        current
    });
    let error_id = format!("{id}-error");
    let described = described_by(&id, hint.is_some(), Signal::derive(move || problem().is_some()));
    view! {
        <div class="field" class:field-invalid=move || problem().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                node_ref=input
                id=id
                name=name
                type=kind
                value=value.get_untracked()
                autocomplete=autocomplete
                placeholder=placeholder
                required=required
                disabled=move || disabled.get()
                readonly=move || readonly.get()
                aria-invalid=move || problem().is_some().then_some("true")
                aria-describedby=described
            />
            {hint.map(|h| view! { <p class="field-hint" id=hint_id(&id_of_hint)>{h}</p> })}
            {move || problem().map(|text| view! { <p class="field-error" id=error_id.clone()>{text}</p> })}
        </div>
    }
}

/// The id of a field's hint, for `aria-describedby`.
fn hint_id(field_id: &str) -> String {
    format!("{field_id}-hint")
}

/// The `aria-describedby` of an input with the element id `id`: its hint, if it has one, and its
/// error while there is one (`{id}-hint`, `{id}-error`).
fn described_by(id: &str, has_hint: bool, has_problem: Signal<bool>) -> impl Fn() -> Option<String> + Send + Sync {
    let hint = has_hint.then(|| hint_id(id));
    let error = format!("{id}-error");
    move || {
        let ids = hint.iter().cloned().chain(has_problem.get().then(|| error.clone())).collect::<Vec<_>>();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The `aria-describedby` of a plain `<select>` or a radio group's `<fieldset>` with the id
/// `field-{name}`, whose hint (if any) has the id `field-{name}-hint` and whose errors are shown by
/// [`FieldProblem`].
pub fn describe_field(
    name: &'static str,
    has_hint: bool,
    error: Signal<Option<AppError>>,
) -> impl Fn() -> Option<String> + Send + Sync {
    described_by(&format!("field-{name}"), has_hint, has_problem(error, name))
}

/// Whether the error has a message for the field `name`.
fn has_problem(error: Signal<Option<AppError>>, name: &'static str) -> Signal<bool> {
    let lang = use_lang();
    Signal::derive(move || error.get().and_then(|e| field_message(lang, &e, name)).is_some())
}

/// The error of one field, for inputs that are not a plain [`Field`] (selects, checkboxes).
/// `id` is the input's element id: the message gets `{id}-error`, which the input names in its
/// `aria-describedby`.
#[component]
pub fn FieldProblem(
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] id: Option<String>,
) -> impl IntoView {
    let lang = use_lang();
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    move || {
        error
            .get()
            .and_then(|e| field_message(lang, &e, name))
            .map(|text| view! { <p class="field-error" id=format!("{id}-error")>{text}</p> })
    }
}

/// A submit button that shows progress and cannot be pressed twice while its action runs.
/// `name`/`value` tell the server which of several buttons of one form was pressed.
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(optional)] value: Option<&'static str>,
    /// Whether this button started the running action (shows "working" on it alone).
    #[prop(optional, into)]
    busy: Option<Signal<bool>>,
) -> impl IntoView {
    let busy = busy.unwrap_or(pending);
    view! {
        <button
            type="submit"
            class=format!("button {class}")
            name=name
            value=value
            disabled=move || pending.get()
            aria-busy=move || busy.get().then_some("true")
        >
            {move || if busy.get() { tr("common.working") } else { label }}
        </button>
    }
}

/// «Удалить» that asks first, with or without JavaScript: the button opens the question with the
/// real submit button (a `<details>` disclosure, so no script is needed); while a delete of this
/// kind runs, every confirm button is disabled.
#[component]
pub fn ConfirmDelete(
    /// The button's text («Удалить» or «Удалить учетную запись»).
    label: &'static str,
    /// The question shown before deleting.
    question: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    let size = if small { " small" } else { "" };
    view! {
        <details class="confirm">
            <summary class=format!("button danger{size}")>{label}</summary>
            <span class="confirm-box" role="group" aria-label=question>
                <span>{question}</span>
                " "
                <button
                    type="submit"
                    class=format!("button danger{size}")
                    disabled=move || pending.get()
                    aria-busy=move || pending.get().then_some("true")
                >
                    {tr("common.confirm_delete")}
                </button>
            </span>
        </details>
    }
}

/// A labelled `<select>` bound to a signal: rendered with the signal's value, and afterwards
/// following its changes (a preset filling the form), without resetting a choice at hydration.
#[component]
pub fn SelectField(
    name: &'static str,
    label: &'static str,
    options: &'static [(&'static str, &'static str)],
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let select = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |previous: Option<String>| {
        let current = value.get();
        if previous.is_some_and(|p| p != current) {
            if let Some(el) = select.get() {
                el.set_value(&current);
            }
        }
        current
    });
    let initial = value.get_untracked();
    let described = described_by(&id, false, has_problem(error, name));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                node_ref=select
                id=id.clone()
                name=name
                aria-describedby=described
                disabled=move || disabled.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {options
                    .iter()
                    .map(|(v, text)| view! { <option value=*v selected=*v == initial>{*text}</option> })
                    .collect_view()}
            </select>
            <FieldProblem name error id/>
        </div>
    }
}

/// A checkbox bound to a signal, submitted as `name=true` when ticked.
#[component]
pub fn CheckboxField(
    name: &'static str,
    label: &'static str,
    value: RwSignal<bool>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] hint: Option<&'static str>,
    /// The field whose problems are shown here, when it is not `name` (e.g. `smtp_security`).
    #[prop(optional)]
    problem_of: Option<&'static str>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |previous: Option<bool>| {
        let current = value.get();
        if previous.is_some_and(|p| p != current) {
            if let Some(el) = input.get() {
                el.set_checked(current);
            }
        }
        current
    });
    let problem_name = problem_of.unwrap_or(name);
    let id = format!("field-{name}");
    let described = described_by(&id, hint.is_some(), has_problem(error, problem_name));
    view! {
        <div class="field">
            <label class="choice">
                <input
                    node_ref=input
                    id=id.clone()
                    type="checkbox"
                    name=name
                    value="true"
                    aria-describedby=described
                    checked=value.get_untracked()
                    disabled=move || disabled.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))
                />
                {label}
            </label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id(&id)>{h}</p> })}
            <FieldProblem name=problem_name error id=id.clone()/>
        </div>
    }
}
